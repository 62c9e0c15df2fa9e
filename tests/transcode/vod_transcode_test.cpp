// The upload pipeline on small files made with the ffmpeg CLI.
#include "transcode/vod_transcode.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "support/ffmpeg_cli.hpp"

using namespace tidecast::transcode;
namespace fs = std::filesystem;
namespace test = tidecast::test;

namespace {

struct Dir {
  fs::path path;
  explicit Dir(const char* name)
      : path(fs::temp_directory_path() / fmt::format("tidecast-vod-{}-{}", name, ::getpid())) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

LadderConfig small_ladder() {
  LadderConfig config;
  config.enabled = true;
  config.rungs.clear();
  for (int height : {240, 160}) {
    Rung r;
    r.name = fmt::format("{}p", height);
    r.height = height;
    r.video_bitrate_kbps = height * 2;
    r.preset = "ultrafast";
    config.rungs.push_back(r);
  }
  return config;
}

VodTranscodeSummary convert(const fs::path& input, const fs::path& out) {
  VodTranscodeOptions options;
  options.ladder = small_ladder();
  options.segment_seconds = 1.0;
  options.cpu_threads = 2;
  return transcode_upload(input, out, options);
}

// Top-level MP4 box types in file order.
std::vector<std::string> top_boxes(const fs::path& path) {
  std::vector<std::string> boxes;
  const std::string data = read_text(path);
  std::size_t at = 0;
  while (at + 8 <= data.size()) {
    std::uint64_t size = (std::uint64_t(std::uint8_t(data[at])) << 24) |
                         (std::uint64_t(std::uint8_t(data[at + 1])) << 16) |
                         (std::uint64_t(std::uint8_t(data[at + 2])) << 8) | std::uint64_t(std::uint8_t(data[at + 3]));
    boxes.push_back(data.substr(at + 4, 4));
    if (size == 1 && at + 16 <= data.size()) {
      size = 0;
      for (int i = 0; i < 8; ++i) size = (size << 8) | std::uint8_t(data[at + 8 + i]);
    }
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

// The ffmpeg CLI plays `path` (a file or an HLS master playlist) to the end without an error.
bool decodes_cleanly(const fs::path& path) {
  const fs::path errors = path.parent_path() / ".decode-errors.txt";
  const int status = std::system(
      fmt::format("ffmpeg -nostdin -v error -i '{}' -f null - 2> '{}'", path.string(), errors.string()).c_str());
  const std::string text = read_text(errors);
  fs::remove(errors);
  INFO(text);
  return status == 0 && text.empty();
}

std::size_t index_of(const std::vector<std::string>& list, const std::string& value) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i] == value) return i;
  }
  return list.size();
}

}  // namespace

TEST_CASE("a rotated phone clip comes out upright with portrait rungs, poster, storyboard and download") {
  Dir dir("rotated");
  const fs::path plain = dir.path / "plain.mp4";
  const fs::path rotated = dir.path / "rotated.mp4";
  REQUIRE(
      test::run_ffmpeg(fmt::format("-f lavfi -i testsrc2=s=427x240:r=25 -f lavfi -i sine=sample_rate=48000 -t 3 "
                                   "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac '{}'",
                                   plain.string())));
  REQUIRE(
      test::run_ffmpeg(fmt::format("-i '{}' -c copy -metadata:s:v rotate=90 '{}'", plain.string(), rotated.string())));
  const fs::path out = dir.path / "out";
  const auto summary = convert(rotated, out);
  // ffmpeg's mov muxer stores rotate=90 as a matrix that av_display_rotation_get
  // reads as 90 degrees counter-clockwise; like the ffmpeg CLI we turn it back.
  CHECK(summary.rotation == 270);
  CHECK_FALSE(summary.passthrough);  // odd width and rotated: never passed through
  const std::string master = read_text(out / "master.m3u8");
  INFO(master);
  CHECK(master.find("RESOLUTION=240x42") != std::string::npos);  // short side 240, upright (426 or 428)
  CHECK(master.find("RESOLUTION=160x284") != std::string::npos);
  CHECK(master.find("v0/") == std::string::npos);
  CHECK(fs::file_size(out / "poster.jpg") > 0);
  CHECK(read_text(out / "storyboard.vtt").find("storyboard.jpg#xywh=0,0,160,284") != std::string::npos);
  const auto boxes = top_boxes(out / "download.mp4");
  REQUIRE(index_of(boxes, "moov") < boxes.size());
  CHECK(index_of(boxes, "moov") < index_of(boxes, "mdat"));
  CHECK_FALSE(fs::exists(out / ".download.mp4.track0.mp4"));
}

TEST_CASE("audio-only uploads give an audio rendition and no pictures") {
  Dir dir("audio");
  const fs::path input = dir.path / "song.m4a";
  REQUIRE(test::run_ffmpeg(
      fmt::format("-f lavfi -i sine=frequency=330:sample_rate=44100 -t 3 -c:a aac '{}'", input.string())));
  const fs::path out = dir.path / "out";
  const auto summary = convert(input, out);
  CHECK(summary.audio_only);
  REQUIRE(summary.tracks.size() == 1);
  CHECK(summary.tracks[0].id == "a0");
  CHECK(read_text(out / "master.m3u8").find("a0/media.m3u8") != std::string::npos);
  const std::string mpd = read_text(out / "manifest.mpd");
  CHECK(mpd.find("contentType=\"video\"") == std::string::npos);
  CHECK(mpd.find("mimeType=\"video/mp4\"") == std::string::npos);
  CHECK_FALSE(fs::exists(out / "poster.jpg"));
  CHECK_FALSE(fs::exists(out / "storyboard.vtt"));
  CHECK(fs::exists(out / "download.mp4"));
  // MP3 (with cover art, a still-picture "video" stream): audio is encoded to AAC, the cover ignored.
  const fs::path mp3 = dir.path / "song.mp3";
  REQUIRE(
      test::run_ffmpeg(fmt::format("-f lavfi -i sine=frequency=330:sample_rate=44100 -f lavfi -i color=c=red:s=64x64 "
                                   "-frames:v 1 -t 3 -map 0:a -map 1:v -c:a libmp3lame -c:v mjpeg "
                                   "-disposition:v attached_pic '{}'",
                                   mp3.string())));
  const auto song = convert(mp3, dir.path / "mp3");
  CHECK(song.audio_only);
  REQUIRE(song.tracks.size() == 1);
  CHECK(song.tracks[0].codecs.starts_with("mp4a.40"));
}

TEST_CASE("variable frame rate becomes constant and drops the passthrough; no audio is fine") {
  Dir dir("vfr");
  const fs::path input = dir.path / "vfr.mp4";
  // Every third frame missing: 20 fps on average, gaps of 1/30 and 2/30 s.
  REQUIRE(
      test::run_ffmpeg(fmt::format("-f lavfi -i testsrc2=s=320x240:r=30 -t 3 -vf \"select='mod(n\\,3)'\" -fps_mode vfr "
                                   "-c:v libx264 -preset ultrafast -pix_fmt yuv420p '{}'",
                                   input.string())));
  const fs::path out = dir.path / "out";
  const auto summary = convert(input, out);
  CHECK(summary.frame_rate == doctest::Approx(20.0));
  CHECK(summary.dropped_frames + summary.repeated_frames == 0);  // one frame per slot, but retimed
  CHECK_FALSE(summary.passthrough);
  CHECK_FALSE(fs::exists(out / "v0"));
  CHECK(read_text(out / "master.m3u8").find("FRAME-RATE=20.000") != std::string::npos);
  for (const auto& track : summary.tracks) CHECK(track.id != "a0");
  // Without v0 the rungs carry the video, the source's height included, each height once.
  CHECK(summary.encoded_rungs == 2);
  std::set<int> heights;
  for (const auto& track : summary.tracks) CHECK(heights.insert(track.height).second);
  CHECK(heights.count(240) == 1);
  CHECK(decodes_cleanly(out / "download.mp4"));
  CHECK(decodes_cleanly(out / "master.m3u8"));
}

TEST_CASE("a source with keyframes far apart is re-encoded, not passed through: segments stay short") {
  Dir dir("long-gop");
  const fs::path input = dir.path / "long-gop.mp4";
  // Keyframes every 3 s: passthrough segments would be 3 s with 1-s segments asked for.
  REQUIRE(
      test::run_ffmpeg(fmt::format("-f lavfi -i testsrc2=s=320x240:r=25 -t 7 -c:v libx264 -preset ultrafast -g 75 "
                                   "-pix_fmt yuv420p '{}'",
                                   input.string())));
  const VodTranscodeSummary summary = convert(input, dir.path / "out");
  CHECK_FALSE(summary.passthrough);
  CHECK_FALSE(fs::exists(dir.path / "out" / "v0" / "media.m3u8"));
  std::istringstream playlist(read_text(dir.path / "out" / "v1" / "media.m3u8"));
  int segments = 0;
  for (std::string line; std::getline(playlist, line);) {
    if (!line.starts_with("#EXTINF:")) continue;
    ++segments;
    CHECK(std::stod(line.substr(8)) <= 1.05);
  }
  CHECK(segments >= 6);
}

TEST_CASE("a regular H.264 upload keeps its passthrough, and 10-bit sources become 8-bit rungs") {
  Dir dir("regular");
  const fs::path input = dir.path / "regular.mp4";
  REQUIRE(
      test::run_ffmpeg(fmt::format("-f lavfi -i testsrc2=s=320x240:r=25 -t 2 -c:v libx264 -preset ultrafast -g 25 "
                                   "-pix_fmt yuv420p '{}'",
                                   input.string())));
  const auto regular = convert(input, dir.path / "out");
  CHECK(regular.passthrough);
  // The pre-scan knew v0 stays: only the 160p rung was encoded, not the 240p one.
  CHECK(regular.encoded_rungs == 1);
  // The rungs' IDRs follow the source's keyframes: every segment of v1 lasts as long as v0's.
  auto durations = [&](const char* track) {
    std::vector<std::string> list;
    std::istringstream in(read_text(dir.path / "out" / track / "media.m3u8"));
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("#EXTINF:")) list.push_back(line);
    }
    return list;
  };
  CHECK(durations("v0").size() >= 2);
  CHECK(durations("v0") == durations("v1"));
  // No 240p rung for this 240p source beside v0: no height is offered twice.
  CHECK_FALSE(fs::exists(dir.path / "out" / "v2"));
  const std::string master = read_text(dir.path / "out" / "master.m3u8");
  INFO(master);
  CHECK(master.find("RESOLUTION=320x240") == master.rfind("RESOLUTION=320x240"));
  CHECK(master.find("x160,") != std::string::npos);
  const fs::path deep = dir.path / "deep.mkv";
  REQUIRE(
      test::run_ffmpeg(fmt::format("-f lavfi -i testsrc2=s=320x240:r=25 -t 2 -c:v libx264 -preset ultrafast "
                                   "-pix_fmt yuv420p10le '{}'",
                                   deep.string())));
  const auto summary = convert(deep, dir.path / "deep");
  CHECK_FALSE(summary.passthrough);
  REQUIRE_FALSE(summary.tracks.empty());
  CHECK(summary.tracks[0].codecs.starts_with("avc1.42") + summary.tracks[0].codecs.starts_with("avc1.4d") +
            summary.tracks[0].codecs.starts_with("avc1.64") ==
        1);  // 8-bit profiles (10-bit would be High 10: avc1.6e)
}

TEST_CASE("a cancel flag stops the conversion between packets") {
  Dir dir("cancel");
  const fs::path input = dir.path / "clip.mp4";
  REQUIRE(test::run_ffmpeg(
      fmt::format("-f lavfi -i testsrc2=s=320x240:r=25 -t 2 -c:v libx264 -preset ultrafast '{}'", input.string())));
  VodTranscodeOptions options;
  options.ladder = small_ladder();
  std::atomic<bool> cancel{true};
  options.cancel = &cancel;
  CHECK_THROWS_AS(transcode_upload(input, dir.path / "out", options), TranscodeCancelled);
}

TEST_CASE("progress follows the position in the input, also for audio-only files") {
  Dir dir("progress");
  const fs::path input = dir.path / "song.m4a";
  REQUIRE(test::run_ffmpeg(fmt::format("-f lavfi -i sine=sample_rate=48000 -t 4 -c:a aac '{}'", input.string())));
  VodTranscodeOptions options;
  options.ladder = small_ladder();
  options.segment_seconds = 1.0;
  VodProgress progress;
  options.progress = &progress;
  transcode_upload(input, dir.path / "out", options);
  CHECK(progress.media_seconds.load() == doctest::Approx(4.0).epsilon(0.05));
  const fs::path clip = dir.path / "clip.mp4";
  REQUIRE(test::run_ffmpeg(
      fmt::format("-f lavfi -i testsrc2=s=320x240:r=25 -t 2 -c:v libx264 -preset ultrafast '{}'", clip.string())));
  VodProgress video_progress;
  options.progress = &video_progress;
  transcode_upload(clip, dir.path / "video", options);
  CHECK(video_progress.frames.load() == 50);
  CHECK(video_progress.media_seconds.load() == doctest::Approx(49 / 25.0));
}

TEST_CASE("without a passthrough, audio that starts late keeps its offset to the video") {
  Dir dir("offset");
  const fs::path input = dir.path / "late-audio.mkv";
  REQUIRE(test::run_ffmpeg(
      fmt::format("-f lavfi -i testsrc2=s=320x240:r=25 -itsoffset 0.5 -f lavfi -i sine=sample_rate=48000 "
                  "-t 3 -c:v libx264 -preset ultrafast -pix_fmt yuv420p10le -c:a aac '{}'",
                  input.string())));
  const auto summary = convert(input, dir.path / "out");
  CHECK_FALSE(summary.passthrough);
  const std::string mpd = read_text(dir.path / "out" / "manifest.mpd");
  INFO(mpd);
  const auto audio = mpd.find("contentType=\"audio\"");
  REQUIRE(audio != std::string::npos);
  const auto t = mpd.find("<S t=\"", audio);
  REQUIRE(t != std::string::npos);
  const long start = std::stol(mpd.substr(t + 6));
  CHECK(start == doctest::Approx(0.5 * 48000).epsilon(0.05));  // audio timescale 48 kHz
}

TEST_CASE("an HDR (PQ) 10-bit HEVC source is tonemapped to 8-bit SDR H.264") {
  Dir dir("hdr");
  const fs::path input = dir.path / "hdr.mkv";
  REQUIRE(test::run_ffmpeg(
      fmt::format("-f lavfi -i testsrc2=s=320x240:r=25 -t 2 -pix_fmt yuv420p10le -c:v libx265 -preset "
                  "ultrafast -x265-params log-level=error -color_primaries bt2020 -color_trc smpte2084 "
                  "-colorspace bt2020nc '{}'",
                  input.string())));
  const auto summary = convert(input, dir.path / "out");
  CHECK(summary.hdr_tonemapped);
  CHECK_FALSE(summary.hdr_retagged);
  const fs::path probe = dir.path / "probe.txt";
  REQUIRE(std::system(fmt::format("ffprobe -v error -select_streams v -show_entries stream=pix_fmt,color_transfer "
                                  "-of compact '{}' > '{}'",
                                  (dir.path / "out" / "download.mp4").string(), probe.string())
                          .c_str()) == 0);
  const std::string text = read_text(probe);
  INFO(text);
  CHECK(text.find("pix_fmt=yuv420p") != std::string::npos);
  CHECK(text.find("smpte2084") == std::string::npos);
}

TEST_CASE("v0 dropped at the end after all (decode error): the next rung is the top, or v0 stays alone") {
  Dir dir("safety");
  // The pre-scan sees regular packets; one packet's NAL length is broken, so
  // the decoder loses the frames up to the next keyframe and the end-of-pass
  // check finds repeated frames.
  auto broken_clip = [&](const char* name, const char* size) {
    const fs::path input = dir.path / name;
    REQUIRE(
        test::run_ffmpeg(fmt::format("-f lavfi -i testsrc2=s={}:r=25 -t 4 -c:v libx264 -preset ultrafast -g 25 "
                                     "-pix_fmt yuv420p '{}'",
                                     size, input.string())));
    const fs::path positions = dir.path / "positions.txt";
    REQUIRE(
        std::system(fmt::format("ffprobe -v error -select_streams v -show_entries packet=pos -of csv=p=0 '{}' > '{}'",
                                input.string(), positions.string())
                        .c_str()) == 0);
    std::istringstream lines(read_text(positions));
    std::string line;
    for (int i = 0; i <= 30 && std::getline(lines, line);) ++i;  // packet 30: inside the second GOP
    std::fstream file(input, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(std::stol(line));
    file.write("\xff\xff\xff\xff", 4);
    return input;
  };
  const fs::path out = dir.path / "out";
  const auto summary = convert(broken_clip("broken.mp4", "320x240"), out);
  CHECK(summary.repeated_frames > 0);
  CHECK_FALSE(summary.passthrough);
  CHECK_FALSE(fs::exists(out / "v0"));
  REQUIRE(summary.tracks.size() == 1);
  CHECK(summary.tracks[0].height == 160);  // the 160p rung is the top now
  const std::string master = read_text(out / "master.m3u8");
  CHECK(master.find("v1/media.m3u8") != std::string::npos);
  CHECK(master.find("v0/") == std::string::npos);
  CHECK(decodes_cleanly(out / "master.m3u8"));
  // A source smaller than every rung has no rung beside v0: v0 stays, the only rendition.
  const auto small = convert(broken_clip("small.mp4", "128x96"), dir.path / "small");
  CHECK(small.passthrough);
  CHECK(small.encoded_rungs == 0);
  REQUIRE(small.tracks.size() == 1);
  CHECK(small.tracks[0].id == "v0");
}
