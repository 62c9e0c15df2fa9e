// End-to-end check of the packager against FFmpeg: ffmpeg encodes an
// H.264 + AAC FLV with 1 s GOPs (what an RTMP publisher sends), the FLV tags
// go through the Segmenter, and ffmpeg/ffprobe read the CMAF output back.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "media/av1.hpp"
#include "media/hevc.hpp"
#include "package/flv_reader.hpp"
#include "package/segmenter.hpp"
#include "package/test_streams.hpp"
#include "support/temp_dir.hpp"

namespace media = tidecast::media;
namespace package = tidecast::package;
using media::TrackKind;

namespace {

struct CommandResult {
  int status = -1;
  std::string output;
};

// Runs a shell command, capturing stdout (stderr too when the command says 2>&1).
CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  result.status = pclose(pipe);
  return result;
}

// The FFmpeg CLI is a test dependency (packaging/test-deps.txt): without it
// these checks fail, never pass silently.
void require_ffmpeg() {
  REQUIRE_MESSAGE(std::system("ffmpeg -version >/dev/null 2>&1") == 0,
                  "the ffmpeg CLI is required (Debian package ffmpeg): not found or not runnable");
  REQUIRE_MESSAGE(std::system("ffprobe -version >/dev/null 2>&1") == 0,
                  "the ffprobe CLI is required (Debian package ffmpeg): not found or not runnable");
}

void write_file(const std::filesystem::path& path, const std::vector<std::vector<std::uint8_t>>& parts) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& part : parts)
    out.write(reinterpret_cast<const char*>(part.data()), static_cast<std::streamsize>(part.size()));
}

struct ProbedPacket {
  double pts = 0;
  double dts = 0;
  bool key = false;
};

std::vector<ProbedPacket> probe_packets(const std::filesystem::path& file) {
  const auto result =
      run("ffprobe -v error -show_entries packet=pts_time,dts_time,flags -of csv=p=0 '" + file.string() + "' 2>&1");
  REQUIRE(result.status == 0);
  std::vector<ProbedPacket> packets;
  std::istringstream lines(result.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ProbedPacket p;
    std::istringstream fields(line);
    std::string pts, dts, flags;
    std::getline(fields, pts, ',');
    std::getline(fields, dts, ',');
    std::getline(fields, flags, ',');
    INFO("ffprobe line: " << line);
    REQUIRE(!flags.empty());
    p.pts = std::stod(pts);
    p.dts = std::stod(dts);
    p.key = flags[0] == 'K';
    packets.push_back(p);
  }
  return packets;
}

struct Output {
  std::vector<package::SegmentOut> video;
  std::vector<package::SegmentOut> audio;
};

// A segment's bytes; with parts, the run of them as served (one buffer each, no copy kept).
std::vector<std::uint8_t> bytes_of(const package::SegmentOut& s) {
  std::vector<std::uint8_t> out = s.bytes;
  for (const auto& part : s.parts) out.insert(out.end(), part->begin(), part->end());
  return out;
}

Output segment(const tidecast::test::FlvContents& flv, double target, double part_seconds) {
  package::Segmenter segmenter(flv.info, {.target_duration_seconds = target, .part_seconds = part_seconds});
  Output out;
  const auto keep = [&](std::vector<package::SegmentOut> segments) {
    for (auto& s : segments) (s.kind == TrackKind::video ? out.video : out.audio).push_back(std::move(s));
  };
  for (const auto& packet : flv.packets) keep(segmenter.push(packet));
  keep(segmenter.flush());
  CHECK(segmenter.stats().dropped_before_keyframe == 0);
  CHECK(segmenter.stats().non_monotonic_dts == 0);
  CHECK(segmenter.stats().timestamp_jumps == 0);
  CHECK(segmenter.stats().audio_reanchors == 0);
  return out;
}

void check_track(const std::filesystem::path& dir, const std::string& name, const std::vector<std::uint8_t>& init,
                 const std::vector<package::SegmentOut>& segments, std::size_t expected_packets,
                 std::vector<double>& first_dts) {
  // The whole track: init + every segment must decode without a single error.
  std::vector<std::vector<std::uint8_t>> parts = {init};
  for (const auto& s : segments) parts.push_back(bytes_of(s));
  const auto whole = dir / (name + ".mp4");
  write_file(whole, parts);
  const auto decoded = run("ffmpeg -nostdin -v error -i '" + whole.string() + "' -f null - 2>&1");
  CHECK(decoded.status == 0);
  CHECK_MESSAGE(decoded.output.empty(), decoded.output);
  CHECK(probe_packets(whole).size() == expected_packets);

  // An HLS media playlist over the separate files, as the HTTP side serves them.
  write_file(dir / (name + "-init.mp4"), {init});
  std::ostringstream playlist;
  playlist << "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:" << segments.front().number
           << "\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"" << name << "-init.mp4\"\n";
  for (const auto& s : segments) {
    const std::string file = name + "-seg-" + std::to_string(s.number) + ".m4s";
    write_file(dir / file, {bytes_of(s)});
    playlist << "#EXTINF:" << s.duration_seconds << ",\n" << file << "\n";
  }
  playlist << "#EXT-X-ENDLIST\n";
  std::ofstream(dir / (name + ".m3u8")) << playlist.str();
  const auto hls = run("ffmpeg -nostdin -v error -i '" + (dir / (name + ".m3u8")).string() + "' -f null - 2>&1");
  CHECK(hls.status == 0);
  CHECK_MESSAGE(hls.output.empty(), hls.output);

  // Each segment on its own (as a player fetching init + segment n sees it).
  for (const auto& s : segments) {
    const auto file = dir / (name + "-" + std::to_string(s.number) + ".mp4");
    write_file(file, {init, bytes_of(s)});
    const auto packets = probe_packets(file);
    REQUIRE(!packets.empty());
    CHECK(packets.size() == s.sample_count);
    CHECK(packets.front().key);  // video: the segment starts with a keyframe
    CHECK(packets.front().dts == doctest::Approx(s.start_seconds).epsilon(1e-6));
    first_dts.push_back(packets.front().dts);
  }
}

void run_pipeline(double target, double part_seconds = 0) {
  require_ffmpeg();
  tidecast::test::TempDir dir;
  const auto flv_path = dir.path() / "input.flv";
  // 8 s of 640x360 30 fps H.264 (B-frames, keyframe every 30 frames) + 44.1 kHz stereo AAC.
  const auto encoded =
      run("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=s=640x360:r=30 -f lavfi -i sine=f=440:r=44100 -t 8 "
          "-c:v libx264 -preset veryfast -pix_fmt yuv420p -x264-params keyint=30:min-keyint=30:scenecut=0:bframes=2 "
          "-c:a aac -ac 2 -b:a 96k -f flv '" +
          flv_path.string() + "' 2>&1");
  REQUIRE_MESSAGE(encoded.status == 0, encoded.output);

  const auto flv = tidecast::test::read_flv(flv_path.string());
  REQUIRE(flv.info.video.has_value());
  REQUIRE(flv.info.audio.has_value());
  CHECK(flv.info.video->codecs == "avc1.64001e");
  CHECK(flv.info.audio->codecs == "mp4a.40.2");
  std::size_t video_packets = 0, audio_packets = 0;
  for (const auto& p : flv.packets) (p.kind == TrackKind::video ? video_packets : audio_packets)++;
  REQUIRE(video_packets == 240);
  double first_audio_offset = -1;
  for (const auto& p : flv.packets) {
    if (p.kind == TrackKind::audio) {
      first_audio_offset = (p.dts - flv.packets.front().dts) / 1000.0;  // the FLV starts with the first keyframe
      break;
    }
  }
  REQUIRE(flv.packets.front().keyframe);
  REQUIRE(first_audio_offset >= 0);
  REQUIRE(first_audio_offset < 0.1);

  const Output out = segment(flv, target, part_seconds);
  const auto expected_segments = static_cast<std::size_t>(std::llround(8.0 / target));
  REQUIRE(out.video.size() == expected_segments);
  REQUIRE(out.audio.size() == expected_segments);

  package::Segmenter for_init(flv.info, {.target_duration_seconds = target});
  std::vector<double> video_starts, audio_starts;
  check_track(dir.path(), "video", for_init.init_segment(TrackKind::video), out.video, video_packets, video_starts);
  // Audio past the last video frame is dropped at flush (at most a frame or two).
  std::size_t audio_in_segments = 0;
  for (const auto& s : out.audio) audio_in_segments += s.sample_count;
  CHECK(audio_in_segments + 3 >= audio_packets);
  check_track(dir.path(), "audio", for_init.init_segment(TrackKind::audio), out.audio, audio_in_segments, audio_starts);

  const double frame = 1.0 / 30, audio_frame = 1024.0 / 44100;
  for (std::size_t i = 0; i < out.video.size(); ++i) {
    CAPTURE(i);
    CHECK(out.video[i].starts_with_keyframe);
    CHECK(out.video[i].number == out.audio[i].number);
    CHECK(std::abs(out.video[i].duration_seconds - target) <= frame + 1e-9);
    if (i == 0) {
      // The encoder's audio starts a little after the first keyframe; that offset is kept.
      CHECK(std::abs(audio_starts[0] - first_audio_offset) <= 1.0 / 44100);  // one tick of rounding
    } else {
      CHECK(std::abs(audio_starts[i] - video_starts[i]) <= audio_frame + 1e-6);
    }
    if (i + 1 < out.video.size()) CHECK(std::abs(out.audio[i].duration_seconds - target) <= 2 * audio_frame);
  }

  // Both tracks together, as a player combining the HLS/DASH renditions would.
  const auto both = run("ffmpeg -nostdin -v error -i '" + (dir.path() / "video.mp4").string() + "' -i '" +
                        (dir.path() / "audio.mp4").string() + "' -map 0:v -map 1:a -f null - 2>&1");
  CHECK(both.status == 0);
  CHECK_MESSAGE(both.output.empty(), both.output);
}

}  // namespace

TEST_CASE("ffmpeg reads back the CMAF segments of an H.264 + AAC FLV: 1 s target") {
  run_pipeline(1.0);
}

TEST_CASE("ffmpeg reads back the CMAF segments of an H.264 + AAC FLV: 2 s target") {
  run_pipeline(2.0);
}

TEST_CASE("ffmpeg reads back the CMAF segments of an H.264 + AAC FLV: 2 s target made of 0.4 s parts") {
  run_pipeline(2.0, 0.4);
}

TEST_CASE("ffprobe understands the H.264, HEVC, AV1 and AAC init segments") {
  require_ffmpeg();
  tidecast::test::TempDir dir;
  struct Case {
    package::TrackSpec track;
    std::string expected;  // ffprobe's codec_name,width,height or codec_name,sample_rate,channels
  };
  const std::vector<Case> cases = {
      {package::make_track_spec(media::avc_video_config(tidecast::test::kAvcc720p)), "h264,1280,720"},
      {package::make_track_spec(media::hevc_video_config(tidecast::test::kHvcc1080p)), "hevc,1920,1080"},
      {package::make_track_spec(media::av1_video_config(tidecast::test::kAv1c360p)), "av1,640,360"},
      {package::make_track_spec(media::aac_audio_config(tidecast::test::kAsc44100Stereo)), "aac,44100,2"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.expected);
    const auto file = dir.path() / "init.mp4";
    write_file(file, {package::write_init_segment(c.track)});
    const std::string entries = c.track.video() ? "codec_name,width,height" : "codec_name,sample_rate,channels";
    const auto probed =
        run("ffprobe -v error -show_entries stream=" + entries + " -of csv=p=0 '" + file.string() + "' 2>&1");
    CHECK(probed.status == 0);
    CHECK(probed.output == c.expected + "\n");
  }
}
