#include "transcode/file_transcode.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>

#include "core/clock.hpp"
#include "core/cpu_pool.hpp"
#include "media/aac.hpp"
#include "media/avc.hpp"
#include "package/dash_manifest.hpp"
#include "package/hls_playlist.hpp"
#include "package/segmenter.hpp"
#include "transcode/annexb.hpp"
#include "transcode/audio_transcoder.hpp"
#include "transcode/file_output.hpp"
#include "transcode/live_transcoder.hpp"

namespace tidecast::transcode {

namespace {

using media::TrackKind;
namespace fs = std::filesystem;

constexpr double kFileQueueSeconds = 1.0;  // media the demuxer may run ahead of the decoder

using core::unix_now_ms;
using Output = TrackWriter;

}  // namespace

FileTranscodeSummary transcode_file(const fs::path& input, const fs::path& output_dir,
                                    const FileTranscodeOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();

  AVFormatContext* raw_format = nullptr;
  check(avformat_open_input(&raw_format, input.c_str(), nullptr, nullptr), "open " + input.string());
  FormatInputPtr format(raw_format);
  check(avformat_find_stream_info(format.get(), nullptr), "probe " + input.string());
  const int video_index = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (video_index < 0) throw TranscodeError(fmt::format("transcode input {}: no video stream", input.string()));
  const int audio_index = av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, video_index, nullptr, 0);
  const AVStream* video_stream = format->streams[video_index];
  const AVCodecParameters* vpar = video_stream->codecpar;
  const AVRational vtb = video_stream->time_base;
  const std::uint32_t timescale = vtb.num == 1 ? static_cast<std::uint32_t>(vtb.den) : 90000u;
  auto video_ticks = [&](std::int64_t ts) {
    return vtb.num == 1 ? ts : av_rescale_q(ts, vtb, AVRational{1, static_cast<int>(timescale)});
  };

  // Source video spec for the decoder: the demuxer's own extradata and packets.
  VideoSourceSpec spec;
  spec.codec = vpar->codec_id;
  if (vpar->extradata_size > 0) spec.extradata.assign(vpar->extradata, vpar->extradata + vpar->extradata_size);
  spec.width = vpar->width;
  spec.height = vpar->height;
  const AVRational sar = av_guess_sample_aspect_ratio(format.get(), format->streams[video_index], nullptr);
  spec.sar_num = sar.num > 0 ? sar.num : 1;
  spec.sar_den = sar.num > 0 ? sar.den : 1;
  spec.frame_rate = stream_frame_rate(video_stream);
  spec.timescale = timescale;

  // Passthrough of H.264: 4-byte length-prefixed packets and an avcC.
  std::optional<media::VideoTrackConfig> passthrough;
  int nal_length_size = 4;
  bool annexb_input = false;
  if (options.ladder.passthrough && vpar->codec_id == AV_CODEC_ID_H264 && !spec.extradata.empty()) {
    try {
      annexb_input = spec.extradata[0] != 1;
      const Bytes avcc = avcc_from_extradata(spec.extradata);
      nal_length_size = media::parse_avcc(avcc).nal_length_size;
      passthrough = media::avc_video_config(avcc);
      if (spec.frame_rate > 0) passthrough->frame_rate = spec.frame_rate;
    } catch (const std::exception& e) {
      if (options.log) options.log->warn("transcode", "no passthrough: unusable H.264 config ({})", e.what());
      passthrough.reset();
    }
  }

  // Audio: AAC passed through at a sane bitrate, anything else encoded once.
  const AVStream* audio_stream = audio_index >= 0 ? format->streams[audio_index] : nullptr;
  AudioPlan audio_plan = plan_audio(audio_stream, options.ladder);
  std::optional<media::AudioTrackConfig> audio_config = std::move(audio_plan.config);
  std::unique_ptr<AudioTranscoder> audio_transcoder = std::move(audio_plan.transcoder);

  fs::create_directories(output_dir);
  Output output(output_dir, options.segment_seconds, unix_now_ms());
  const package::SegmenterOptions seg_options{options.segment_seconds, 0, 1};

  // v0 (+ a0 riding along, as live does) or a0 alone.
  std::optional<package::Segmenter> main_segmenter;
  TrackOutput v0;
  TrackOutput a0;
  v0.description.id = "v0";
  v0.name = "source";
  a0.description.kind = TrackKind::audio;
  a0.description.id = "a0";
  a0.name = "audio";
  if (passthrough || audio_config) {
    media::StreamInfo info;
    info.video = passthrough;
    info.audio = audio_config;
    main_segmenter.emplace(info, seg_options);
    if (passthrough) output.init(v0, *main_segmenter, TrackKind::video);
    if (audio_config) output.init(a0, *main_segmenter, TrackKind::audio);
  }

  // The ladder, its rung segmenters fed from the rung callbacks.
  core::CpuPool pool(options.threads);
  LadderOptions ladder_options;
  ladder_options.name = input.filename().string();
  ladder_options.log = options.log;
  ladder_options.cpu_threads = pool.size();
  ladder_options.allow_shedding = false;
  if (options.codec_auto_threads) {
    ladder_options.decoder_threads = 0;
    if (options.ladder.x264_threads == 0) ladder_options.x264_threads = 0;
  }
  struct RungOutput {
    TrackOutput track;
    std::optional<package::Segmenter> segmenter;
  };
  std::vector<RungOutput> rung_outputs;
  std::mutex error_mutex;
  std::string callback_error;
  auto guarded = [&](auto&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      std::lock_guard lock(error_mutex);
      if (callback_error.empty()) callback_error = e.what();
    }
  };
  LadderCallbacks callbacks;
  callbacks.on_rung_info = [&](std::size_t rung, const media::StreamInfo& info) {
    guarded([&] {
      RungOutput& out = rung_outputs.at(rung);
      out.segmenter.emplace(info, seg_options);
      output.init(out.track, *out.segmenter, TrackKind::video);
    });
  };
  callbacks.on_rung_packet = [&](std::size_t rung, media::PacketPtr packet) {
    guarded([&] {
      RungOutput& out = rung_outputs.at(rung);
      if (!out.segmenter) return;
      for (auto& segment : out.segmenter->push(*packet)) output.add(out.track, segment);
    });
  };
  LadderConfig ladder_config = options.ladder;
  ladder_config.passthrough = passthrough.has_value();  // a rung as tall as v0 only without v0 (plan_ladder)
  LadderTranscoder ladder(spec, ladder_config, options.segment_seconds, pool.executor(), callbacks, ladder_options);
  for (std::size_t i = 0; i < ladder.rungs().size(); ++i) {
    RungOutput out;
    out.track.description.id = fmt::format("v{}", i + 1);
    out.track.name = ladder.rungs()[i].rung.name;
    rung_outputs.push_back(std::move(out));
  }
  if (!passthrough && rung_outputs.empty()) {
    throw TranscodeError(fmt::format("transcode input {}: nothing to output ({} {}x{}: no passthrough, no rung fits)",
                                     input.string(), avcodec_get_name(vpar->codec_id), vpar->width, vpar->height));
  }

  // Demux.
  AvPacketPtr av_packet = make_packet();
  std::vector<media::Packet> audio_out;
  std::int64_t last_video_dts = AV_NOPTS_VALUE;
  for (;;) {
    const int read = av_read_frame(format.get(), av_packet.get());
    if (read == AVERROR_EOF) break;
    check(read, "read " + input.string());
    const std::span<const std::uint8_t> data{av_packet->data, static_cast<std::size_t>(av_packet->size)};
    if (av_packet->stream_index == video_index && !data.empty()) {
      auto packet = std::make_shared<media::Packet>();
      packet->kind = TrackKind::video;
      packet->timescale = timescale;
      std::int64_t dts = av_packet->dts != AV_NOPTS_VALUE ? av_packet->dts : av_packet->pts;
      if (dts == AV_NOPTS_VALUE) dts = last_video_dts == AV_NOPTS_VALUE ? 0 : last_video_dts + 1;
      last_video_dts = dts;
      const std::int64_t pts = av_packet->pts != AV_NOPTS_VALUE ? av_packet->pts : dts;
      packet->dts = video_ticks(dts);
      packet->pts = video_ticks(pts);
      packet->keyframe = (av_packet->flags & AV_PKT_FLAG_KEY) != 0;
      packet->data.assign(data.begin(), data.end());
      if (passthrough) {
        media::Packet copy;
        copy.kind = TrackKind::video;
        copy.timescale = timescale;
        copy.dts = packet->dts;
        copy.pts = packet->pts;
        copy.keyframe = packet->keyframe;
        copy.data = annexb_input ? annexb_to_length_prefixed(data) : to_four_byte_lengths(data, nal_length_size);
        output.add_all(main_segmenter->push(std::make_shared<const media::Packet>(std::move(copy))), &v0, &a0);
      }
      ladder.push(std::move(packet));
      ladder.wait_for_queue_below(kFileQueueSeconds);
    } else if (audio_stream && av_packet->stream_index == audio_index && !data.empty()) {
      if (audio_transcoder) {
        audio_out.clear();
        audio_transcoder->push(av_packet.get(), audio_out);
        for (const auto& packet : audio_out) output.add_all(main_segmenter->push(packet), &v0, &a0);
      } else {
        const AVRational atb = audio_stream->time_base;
        media::Packet packet;
        packet.kind = TrackKind::audio;
        const std::uint32_t audio_scale = atb.num == 1 ? static_cast<std::uint32_t>(atb.den) : 90000u;
        const std::int64_t ts = av_packet->pts != AV_NOPTS_VALUE ? av_packet->pts : av_packet->dts;
        packet.timescale = audio_scale;
        packet.pts = packet.dts =
            atb.num == 1 ? ts : av_rescale_q(ts, atb, AVRational{1, static_cast<int>(audio_scale)});
        packet.keyframe = true;
        const auto raw = strip_adts(data);
        packet.data.assign(raw.begin(), raw.end());
        output.add_all(main_segmenter->push(std::make_shared<const media::Packet>(std::move(packet))), &v0, &a0);
      }
    }
    av_packet_unref(av_packet.get());
  }
  if (audio_transcoder) {
    audio_out.clear();
    audio_transcoder->flush(audio_out);
    for (const auto& packet : audio_out) output.add_all(main_segmenter->push(packet), &v0, &a0);
  }
  std::promise<void> finished;
  ladder.flush([&finished] { finished.set_value(); });
  finished.get_future().wait();
  {
    std::lock_guard lock(error_mutex);
    if (!callback_error.empty()) throw TranscodeError(callback_error);
  }
  if (main_segmenter) output.add_all(main_segmenter->flush(), &v0, &a0);
  for (auto& out : rung_outputs) {
    if (!out.segmenter) continue;
    for (auto& segment : out.segmenter->flush()) output.add(out.track, segment);
  }
  const LadderStats stats = ladder.stats();
  if (stats.failed) throw TranscodeError(fmt::format("transcode {}: the ladder stopped (see the log)", input.string()));

  // Manifests: one presentation, one period, static.
  package::Presentation presentation;
  presentation.live = false;
  presentation.ended = true;
  presentation.target_duration_seconds = options.segment_seconds;
  presentation.periods.push_back({0, 0.0});
  std::vector<const TrackOutput*> tracks;
  if (passthrough) tracks.push_back(&v0);
  for (const auto& out : rung_outputs) {
    if (out.segmenter) tracks.push_back(&out.track);
  }
  if (audio_config) tracks.push_back(&a0);
  FileTranscodeSummary summary;
  for (const TrackOutput* track : tracks) {
    if (track->description.segments.empty()) continue;
    presentation.tracks.push_back(track->description);
    const auto& d = track->description;
    summary.tracks.push_back(
        {d.id, track->name, d.codecs, d.width, d.height, d.segments.size(), d.average_bandwidth, d.peak_bandwidth});
  }
  write_output_text(output_dir / "master.m3u8", package::hls_master_playlist(presentation));
  for (std::size_t i = 0; i < presentation.tracks.size(); ++i) {
    write_output_text(output_dir / presentation.tracks[i].id / "media.m3u8",
                      package::hls_media_playlist(presentation, i));
  }
  write_output_text(output_dir / "manifest.mpd", package::dash_manifest(presentation, {}));

  summary.frames = stats.decoded_frames;
  for (const TrackOutput* track : tracks) {
    if (track->description.kind == TrackKind::video) {
      summary.media_seconds = track->total_seconds;
      break;
    }
  }
  summary.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  summary.cpu_seconds = process_cpu_seconds() - cpu_start;
  return summary;
}

}  // namespace tidecast::transcode
