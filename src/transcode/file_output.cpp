#include "transcode/file_output.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

#include "media/aac.hpp"

namespace tidecast::transcode {

namespace fs = std::filesystem;
using media::TrackKind;

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void write_output_file(const fs::path& path, std::span<const std::uint8_t> bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw TranscodeError(fmt::format("transcode output: cannot create {}", path.string()));
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  if (std::fclose(file) != 0 || !ok)
    throw TranscodeError(fmt::format("transcode output: cannot write {}", path.string()));
}

void write_output_text(const fs::path& path, const std::string& text) {
  write_output_file(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

void TrackWriter::init(TrackOutput& track, const package::Segmenter& segmenter, TrackKind kind) const {
  auto& d = track.description;
  const auto& spec = segmenter.track_spec(kind);
  d.timescale = spec.timescale;
  // The manifests describe the track as the segmenter packages it.
  if (const auto* video = spec.video()) {
    d.codecs = video->codecs;
    d.width = video->width;
    d.height = video->height;
    d.frame_rate = video->frame_rate;
  } else if (const auto* audio = spec.audio()) {
    d.codecs = audio->codecs;
    d.sample_rate = audio->sample_rate;
    d.channels = audio->channels;
  }
  write_output_file(dir_ / d.id / "init-0.mp4", segmenter.init_segment(kind));
}

void TrackWriter::add(TrackOutput& track, package::SegmentOut& out) const {
  auto& d = track.description;
  package::SegmentEntry entry;
  entry.number = out.number - 1;
  entry.index = out.number - 1;
  entry.start = out.start;
  entry.duration = out.duration;
  entry.period = 0;
  entry.wallclock_ms = start_ms_ + static_cast<std::int64_t>(out.start_seconds * 1000.0);
  entry.bytes = out.bytes.size();
  write_output_file(dir_ / d.id / entry.file_name(), out.bytes);
  track.total_bytes += out.bytes.size();
  track.total_seconds += out.duration_seconds;
  if (out.duration_seconds >= segment_seconds_ * 0.5) {
    d.peak_bandwidth = std::max<std::uint64_t>(
        d.peak_bandwidth, static_cast<std::uint64_t>(static_cast<double>(out.bytes.size()) * 8 / out.duration_seconds));
  }
  if (track.total_seconds > 0) {
    d.average_bandwidth = static_cast<std::uint64_t>(static_cast<double>(track.total_bytes) * 8 / track.total_seconds);
  }
  d.peak_bandwidth = std::max(d.peak_bandwidth, d.average_bandwidth);
  d.segments.push_back(entry);
}

void TrackWriter::add_all(std::vector<package::SegmentOut> segments, TrackOutput* video, TrackOutput* audio) const {
  for (auto& segment : segments) {
    TrackOutput* track = segment.kind == TrackKind::video ? video : audio;
    if (track) add(*track, segment);
  }
}

namespace {

int sampling_index(int rate) {
  static constexpr int kRates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                   22050, 16000, 12000, 11025, 8000,  7350};
  for (int i = 0; i < 13; ++i) {
    if (kRates[i] == rate) return i;
  }
  throw TranscodeError(fmt::format("transcode input: AAC sample rate {} has no sampling index", rate));
}

}  // namespace

std::vector<std::uint8_t> asc_from_parameters(const AVCodecParameters* par) {
  const int object_type = par->profile >= 0 ? par->profile + 1 : 2;
  const int index = sampling_index(par->sample_rate);
  const int channels = std::clamp(par->ch_layout.nb_channels, 1, 7);
  return {static_cast<std::uint8_t>((object_type << 3) | (index >> 1)),
          static_cast<std::uint8_t>(((index & 1) << 7) | (channels << 3))};
}

AudioPlan plan_audio(const AVStream* audio_stream, const LadderConfig& ladder) {
  AudioPlan plan;
  if (!audio_stream) return plan;
  const AVCodecParameters* apar = audio_stream->codecpar;
  const bool sane =
      apar->bit_rate <= 0 || apar->bit_rate <= static_cast<std::int64_t>(ladder.audio_passthrough_max_kbps) * 1000;
  if (apar->codec_id == AV_CODEC_ID_AAC && sane) {
    const auto asc = apar->extradata_size >= 2
                         ? std::vector<std::uint8_t>(apar->extradata, apar->extradata + apar->extradata_size)
                         : asc_from_parameters(apar);
    plan.config = media::aac_audio_config(asc);
  } else {
    plan.transcoder = std::make_unique<AudioTranscoder>(apar, audio_stream->time_base,
                                                        static_cast<int>(ladder.audio_bitrate_kbps));
    plan.config = plan.transcoder->config();
  }
  return plan;
}

std::span<const std::uint8_t> strip_adts(std::span<const std::uint8_t> data) {
  if (data.size() >= 7 && data[0] == 0xff && (data[1] & 0xf0) == 0xf0) {
    const std::size_t header = (data[1] & 0x01) ? 7 : 9;
    if (data.size() > header) return data.subspan(header);
  }
  return data;
}

double stream_frame_rate(const AVStream* stream) {
  const AVRational rate = stream->avg_frame_rate.num > 0 ? stream->avg_frame_rate : stream->r_frame_rate;
  return rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
}

}  // namespace tidecast::transcode
