#include "transcode/vod_transcode.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavutil/imgutils.h>
}

#include "core/clock.hpp"
#include "media/avc.hpp"
#include "package/dash_manifest.hpp"
#include "package/hls_playlist.hpp"
#include "package/segmenter.hpp"
#include "transcode/annexb.hpp"
#include "transcode/audio_transcoder.hpp"
#include "transcode/file_output.hpp"
#include "transcode/frame_prep.hpp"
#include "transcode/input_streams.hpp"
#include "transcode/packet_scan.hpp"
#include "transcode/progressive.hpp"
#include "transcode/rung_worker.hpp"
#include "transcode/thumbnails.hpp"
#include "transcode/video_codec.hpp"

namespace tidecast::transcode {

namespace {

namespace fs = std::filesystem;
using media::TrackKind;

// Demuxed keyframe timestamps remembered until their frame is decoded.
constexpr std::size_t kMaxPendingKeyframes = 4096;
// Audio held while no video frame has been decoded: ~40 s of AAC, past that
// the video never starts.
constexpr std::size_t kMaxEarlyAudioPackets = 2000;
// The source is passed through only when its keyframes are at most this many
// segment durations apart (a 2-s segment: 4 s), so no segment, and above all
// not the first one a phone downloads, is much longer than the others.
constexpr double kPassthroughGopSegments = 2.0;

CmafTrackFiles track_files(const fs::path& dir, const package::TrackDescription& d) {
  CmafTrackFiles files;
  files.init = dir / d.id / "init-0.mp4";
  for (const auto& segment : d.segments) files.segments.push_back(dir / d.id / segment.file_name());
  return files;
}

double packet_seconds(const media::Packet& p) {
  return p.timescale > 0 ? static_cast<double>(p.pts) / p.timescale : 0.0;
}

// A demuxed AAC packet passed through: the raw frame (no ADTS header), in the
// stream's ticks when its time base is 1/N, else in 90 kHz ticks.
media::Packet aac_packet(const AVPacket& av_packet, std::span<const std::uint8_t> data, AVRational atb) {
  media::Packet packet;
  packet.kind = TrackKind::audio;
  const std::uint32_t audio_scale = atb.num == 1 ? static_cast<std::uint32_t>(atb.den) : 90000u;
  const std::int64_t ts = av_packet.pts != AV_NOPTS_VALUE ? av_packet.pts : av_packet.dts;
  packet.timescale = audio_scale;
  packet.pts = packet.dts = atb.num == 1 ? ts : av_rescale_q(ts, atb, AVRational{1, static_cast<int>(audio_scale)});
  packet.keyframe = true;
  const auto raw = strip_adts(data);
  packet.data.assign(raw.begin(), raw.end());
  return packet;
}

// The source video as planned before the first packet; fixed afterwards.
struct VideoPlan {
  std::uint32_t timescale = 90000;  // the stream's time base when it is 1/N, else 90 kHz
  AVRational time_base{1, 90000};
  VideoSourceSpec spec;
  AVRational out_rate{30, 1};
  std::int64_t frames_per_segment = 1;  // IDR spacing without v0
  std::size_t queue_frames = kMinRungQueueFrames;
  std::vector<RungPlan> plans;
  std::optional<media::VideoTrackConfig> passthrough;  // v0's config: the source's H.264 kept as it is
  int nal_length_size = 4;
  bool annexb_input = false;
};

// Decoding and the steps that make frames upright, SDR and constant-rate.
struct FramePrep {
  std::optional<VideoDecoder> decoder;
  std::optional<PictureFilter> rotator;
  std::optional<PictureFilter> tonemapper;  // built on the first HDR frame
  bool tonemap_failed = false;
  std::optional<CfrMapper> cfr;
  std::optional<Thumbnailer> thumbnails;
};

// Frames handed to every rung, with IDRs placed so the rungs' segments align.
struct Fanout {
  std::vector<std::unique_ptr<RungWorker>> rungs;  // started at the first frame (the keyframe offset is known)
  std::set<std::int64_t> keyframe_pts;             // demuxed keyframes whose frame has not been decoded yet
  std::optional<std::int64_t> source_cts;          // pts - dts at the first keyframe
  std::optional<std::int64_t> first_pts;
  SharedFrame previous;  // repeated into the slots a gap in the source leaves
  std::int64_t last_forced = 0;
  std::int64_t last_pts = 0;
  std::int64_t segment_ticks = 0;
  std::int64_t max_segment_ticks = 0;
  std::int64_t half_slot = 1;
};

// v0 (+ a0 riding along, cut at v0's segments) or a0 alone.
struct MainTracks {
  MainTracks() {
    v0.description.id = "v0";
    v0.name = "source";
    a0.description.kind = TrackKind::audio;
    a0.description.id = "a0";
    a0.name = "audio";
  }

  std::optional<media::AudioTrackConfig> audio_config;
  std::unique_ptr<AudioTranscoder> audio_transcoder;
  std::optional<package::Segmenter> segmenter;
  TrackOutput v0;
  TrackOutput a0;
  std::optional<double> video_start;       // source seconds of the first video frame
  std::vector<media::Packet> early_audio;  // waiting for the first video frame
};

// The demuxer's side of the pass.
struct DemuxState {
  std::int64_t last_video_dts = AV_NOPTS_VALUE;
  std::int64_t first_audio_pts = AV_NOPTS_VALUE;
  bool await_keyframe = false;           // after a decode error
  std::vector<FramePtr> frames;          // decoder output, reused
  std::vector<media::Packet> audio_out;  // audio transcoder output, reused
};

// What was left out on the way, for the summary log line.
struct Losses {
  std::uint64_t skipped = 0;  // decoded frames before the first keyframe
  std::uint64_t audio_before_video = 0;
  std::uint64_t decode_errors = 0;
};

// One transcode_upload: the input is opened and the output directory exists.
// run() once; the wall and CPU times are the caller's.
class UploadConversion {
 public:
  UploadConversion(UploadInput input, const fs::path& output_dir, const VodTranscodeOptions& options)
      : input_(std::move(input)),
        video_stream_(input_.video_stream()),
        audio_stream_(input_.audio_stream()),
        output_dir_(output_dir),
        options_(options),
        writer_(output_dir, options.segment_seconds, core::unix_now_ms()) {
    summary_.audio_only = video_stream_ == nullptr;
  }
  UploadConversion(const UploadConversion&) = delete;
  UploadConversion& operator=(const UploadConversion&) = delete;

  VodTranscodeSummary run();

 private:
  void check_cancel() const {
    if (options_.cancel && options_.cancel->load()) throw TranscodeCancelled();
  }
  std::int64_t video_ticks(std::int64_t ts) const {
    const AVRational vtb = video_.time_base;
    return vtb.num == 1 ? ts : av_rescale_q(ts, vtb, AVRational{1, static_cast<int>(video_.timescale)});
  }

  void setup_video();
  void describe_source(const AVCodecParameters* vpar);
  void plan_passthrough(const AVCodecParameters* vpar);
  void plan_rungs(const AVCodecParameters* vpar);
  void log_ladder(const AVCodecParameters* vpar) const;
  void plan_fanout();
  void setup_audio();

  void open_main(double timeline_start);
  void push_audio(const media::Packet& packet);
  void release_early_audio();

  void on_frame(FramePtr frame);
  void start_rungs(std::int64_t first_pts);
  void make_sdr(FramePtr& frame);
  void offer_thumbnail(const AVFrame& frame, double seconds);
  void send(const SharedFrame& frame, std::int64_t slot, bool source_key);

  void demux();
  void on_video_packet(const AVPacket& av_packet, std::span<const std::uint8_t> data);
  void pass_through(std::span<const std::uint8_t> data, std::int64_t pts, std::int64_t dts, bool keyframe);
  void on_audio_packet(const AVPacket& av_packet, std::span<const std::uint8_t> data);

  void drain();
  void finish_tracks();
  void keep_or_drop_v0();
  const TrackOutput* write_manifests();
  void write_extras(const TrackOutput* top_video);
  void log_summary() const;

  UploadInput input_;
  const AVStream* const video_stream_;  // nullptr: audio only
  const AVStream* const audio_stream_;  // nullptr: video only
  const fs::path output_dir_;
  const VodTranscodeOptions& options_;
  const TrackWriter writer_;  // before the rungs: they write through it until they are gone
  VodTranscodeSummary summary_;
  VideoPlan video_;
  FramePrep prep_;
  Fanout fanout_;
  MainTracks main_;
  DemuxState demux_;
  Losses losses_;
};

VodTranscodeSummary UploadConversion::run() {
  if (video_stream_) setup_video();
  setup_audio();
  plan_fanout();
  demux();
  drain();
  finish_tracks();
  check_cancel();
  keep_or_drop_v0();
  const TrackOutput* top_video = write_manifests();
  write_extras(top_video);
  log_summary();
  return std::move(summary_);
}

// ---- video setup ------------------------------------------------------------

void UploadConversion::setup_video() {
  const AVCodecParameters* vpar = video_stream_->codecpar;
  describe_source(vpar);
  prep_.rotator.emplace(rotation_filter(summary_.rotation), "rotate");
  prep_.cfr.emplace(video_.out_rate, video_.timescale);
  video_.frames_per_segment =
      std::max<std::int64_t>(1, std::llround(options_.segment_seconds * video_.spec.frame_rate));
  plan_passthrough(vpar);
  plan_rungs(vpar);
  prep_.decoder.emplace(video_.spec, options_.codec_auto_threads ? 0 : 1);
  const int top_width = video_.passthrough ? video_.spec.width : video_.plans.front().width;
  const int top_height = video_.passthrough ? video_.spec.height : video_.plans.front().height;
  prep_.thumbnails.emplace(options_.duration_hint, poster_size(top_width, top_height));
  if (options_.log) log_ladder(vpar);
}

// Timescale, decoder spec, queue length, output rate and rotation.
void UploadConversion::describe_source(const AVCodecParameters* vpar) {
  VideoSourceSpec& spec = video_.spec;
  const AVRational vtb = video_stream_->time_base;
  video_.time_base = vtb;
  video_.timescale = video_timescale(vtb);
  spec.codec = vpar->codec_id;
  if (vpar->extradata_size > 0) spec.extradata.assign(vpar->extradata, vpar->extradata + vpar->extradata_size);
  spec.width = vpar->width;
  spec.height = vpar->height;
  const int frame_bytes =
      vpar->format >= 0 ? av_image_get_buffer_size(static_cast<AVPixelFormat>(vpar->format), spec.width, spec.height, 1)
                        : spec.width * spec.height * 3;
  video_.queue_frames = rung_queue_frames(frame_bytes);
  const AVRational sar =
      av_guess_sample_aspect_ratio(input_.format.get(), input_.format->streams[input_.video_index], nullptr);
  spec.sar_num = sar.num > 0 ? sar.num : 1;
  spec.sar_den = sar.num > 0 ? sar.den : 1;
  video_.out_rate = constant_frame_rate(video_stream_->avg_frame_rate, video_stream_->r_frame_rate);
  spec.frame_rate = av_q2d(video_.out_rate);
  spec.timescale = video_.timescale;
  summary_.frame_rate = spec.frame_rate;
  summary_.rotation = stream_rotation(video_stream_);
}

// v0 needs no picture work: H.264 4:2:0, even size, upright. One read of its
// packets (packet_scan.hpp) then tells whether its keyframes are at most
// kPassthroughGopSegments segment durations apart and whether its timing is
// regular by the rule keep_or_drop_v0 applies at the end: only then is it
// passed through, and no rung as tall as the source is encoded beside it.
void UploadConversion::plan_passthrough(const AVCodecParameters* vpar) {
  const VideoSourceSpec& spec = video_.spec;
  const bool clean_picture = summary_.rotation == 0 && spec.width % 2 == 0 && spec.height % 2 == 0 &&
                             (vpar->format == AV_PIX_FMT_YUV420P || vpar->format == AV_PIX_FMT_YUVJ420P);
  if (!options_.ladder.passthrough || !clean_picture || vpar->codec_id != AV_CODEC_ID_H264 || spec.extradata.empty()) {
    return;
  }
  const PacketScan scan = scan_video_packets(input_.path, input_.video_index, video_.out_rate, options_.cancel);
  check_cancel();
  // Passthrough segments can only start at the source's keyframes: a long
  // GOP would make long (and, first of all, a large first) segments.
  const double limit = kPassthroughGopSegments * options_.segment_seconds;
  const auto& gop = scan.longest_gop_seconds;
  if (!gop || *gop > limit + 1e-3) {
    if (options_.log) {
      options_.log->info("transcode", "no passthrough: source keyframes {} (limit {:.1f} s): re-encoded instead",
                         gop ? fmt::format("up to {:.1f} s apart", *gop) : std::string("not found"), limit);
    }
    return;
  }
  if (!scan.regular()) {
    if (options_.log) {
      options_.log->info("transcode",
                         "no passthrough: irregular source timing dropped={} repeated={} retimed={} jumps={}: "
                         "re-encoded instead",
                         scan.dropped, scan.repeated, scan.retimed, scan.jumps);
    }
    return;
  }
  try {
    video_.annexb_input = spec.extradata[0] != 1;
    const Bytes avcc = avcc_from_extradata(spec.extradata);
    video_.nal_length_size = media::parse_avcc(avcc).nal_length_size;
    video_.passthrough = media::avc_video_config(avcc);
    video_.passthrough->frame_rate = spec.frame_rate;
  } catch (const std::exception& e) {
    if (options_.log) options_.log->warn("transcode", "no passthrough: unusable H.264 config ({})", e.what());
    video_.passthrough.reset();
  }
}

// Rungs for the upright picture (portrait sources get portrait rungs).
void UploadConversion::plan_rungs(const AVCodecParameters* vpar) {
  const VideoSourceSpec& spec = video_.spec;
  const std::size_t cpu_threads =
      options_.cpu_threads > 0 ? options_.cpu_threads : std::max(1u, std::thread::hardware_concurrency());
  const bool turned = summary_.rotation == 90 || summary_.rotation == 270;
  LadderConfig ladder = options_.ladder;
  ladder.passthrough = video_.passthrough.has_value();  // skips the source's height (unless source_height_rung)
  video_.plans =
      plan_upload_ladder(ladder, turned ? spec.height : spec.width, turned ? spec.width : spec.height, cpu_threads,
                         turned ? spec.sar_den : spec.sar_num, turned ? spec.sar_num : spec.sar_den);
  // The pre-scan said v0 stays: a rung as tall as the source would list that
  // height twice (also the one-rung plan of a source smaller than every rung).
  if (video_.passthrough && !options_.ladder.source_height_rung) {
    std::erase_if(video_.plans, [&](const RungPlan& plan) { return plan.height == spec.height; });
  }
  if (!video_.passthrough && video_.plans.empty()) {
    throw TranscodeError(fmt::format("transcode input {}: nothing to output ({} {}x{}: no rung fits)",
                                     input_.path.string(), avcodec_get_name(vpar->codec_id), vpar->width,
                                     vpar->height));
  }
  for (auto& plan : video_.plans) {
    if (options_.codec_auto_threads && options_.ladder.x264_threads == 0) plan.x264_threads = 0;
  }
}

void UploadConversion::log_ladder(const AVCodecParameters* vpar) const {
  std::string list;
  for (const auto& plan : video_.plans) {
    list += fmt::format("{}{}={}x{}@{}k", list.empty() ? "" : ",", plan.rung.name, plan.width, plan.height,
                        plan.rung.video_bitrate_kbps);
  }
  options_.log->info("transcode", "upload ladder source={}x{} {} rotation={} rate={}/{} passthrough={} rungs={}",
                     video_.spec.width, video_.spec.height, avcodec_get_name(vpar->codec_id), summary_.rotation,
                     video_.out_rate.num, video_.out_rate.den, video_.passthrough ? "yes" : "no",
                     list.empty() ? "none" : list);
}

// IDR spacing in ticks (audio-only inputs keep the 90 kHz defaults, unused).
void UploadConversion::plan_fanout() {
  const std::uint32_t timescale = video_.timescale;
  fanout_.segment_ticks = std::llround(options_.segment_seconds * timescale);
  fanout_.max_segment_ticks = std::llround(std::max(10.0, 3.0 * options_.segment_seconds) * timescale);
  fanout_.half_slot = std::max<std::int64_t>(
      1, std::llround(video_.spec.frame_rate > 0 ? timescale / video_.spec.frame_rate / 2 : 1.0));
}

// ---- audio and the main segmenter -------------------------------------------

void UploadConversion::setup_audio() {
  AudioPlan audio_plan = plan_audio(audio_stream_, options_.ladder);
  main_.audio_config = std::move(audio_plan.config);
  main_.audio_transcoder = std::move(audio_plan.transcoder);
  // Without v0, a0 has a segmenter of its own, whose timeline must start where
  // the audio starts relative to the first video frame (rung time 0): it is
  // opened once that frame is known; audio before it is dropped (as with v0).
  const bool audio_waits_for_video = video_stream_ && !video_.passthrough && main_.audio_config;
  if (video_.passthrough || (main_.audio_config && !audio_waits_for_video)) open_main(0.0);
}

void UploadConversion::open_main(double timeline_start) {
  media::StreamInfo info;
  info.video = video_.passthrough;
  info.audio = main_.audio_config;
  package::SegmenterOptions main_options{options_.segment_seconds, 0, 1};
  main_options.timeline_start_seconds = timeline_start;
  main_.segmenter.emplace(info, main_options);
  if (video_.passthrough) writer_.init(main_.v0, *main_.segmenter, TrackKind::video);
  if (main_.audio_config) writer_.init(main_.a0, *main_.segmenter, TrackKind::audio);
}

void UploadConversion::push_audio(const media::Packet& packet) {
  if (main_.segmenter) {
    writer_.add_all(main_.segmenter->push(packet), &main_.v0, &main_.a0);
    return;
  }
  if (!main_.video_start && main_.early_audio.size() < kMaxEarlyAudioPackets) {
    main_.early_audio.push_back(packet);
    return;
  }
  main_.early_audio.push_back(packet);
  release_early_audio();
}

// Opens a0's own segmenter at the first held packet not before the video's
// start (or the audio's own start when the video never started), feeds it
// everything from there and drops the rest.
void UploadConversion::release_early_audio() {
  const double start = main_.video_start.value_or(packet_seconds(main_.early_audio.front()));
  std::optional<double> first;
  for (const auto& early : main_.early_audio) {
    const double at = packet_seconds(early);
    if (at < start - 0.001) {
      ++losses_.audio_before_video;
      continue;
    }
    if (!first) {
      first = at;
      open_main(at - start);
    }
    writer_.add_all(main_.segmenter->push(early), &main_.v0, &main_.a0);
  }
  main_.early_audio.clear();
}

// ---- frames: upright, constant rate, to every rung --------------------------

void UploadConversion::on_frame(FramePtr frame) {
  if (frame->pts == AV_NOPTS_VALUE) frame->pts = fanout_.last_pts + 2 * fanout_.half_slot;
  const bool key = fanout_.keyframe_pts.erase(frame->pts) > 0 || frame->key_frame;
  if (!fanout_.first_pts) {
    if (!key) {
      ++losses_.skipped;
      return;
    }
    start_rungs(frame->pts);
  }
  fanout_.last_pts = frame->pts;
  frame = prep_.rotator->apply(std::move(frame), video_.timescale);
  make_sdr(frame);
  const double seconds = static_cast<double>(frame->pts - *fanout_.first_pts) / video_.timescale;
  if (options_.progress) {
    options_.progress->media_seconds = std::max(0.0, seconds);
    options_.progress->frames.fetch_add(1);
  }
  ++summary_.frames;
  offer_thumbnail(*frame, seconds);
  const CfrMapper::Step step = prep_.cfr->push(frame->pts);
  if (!step.take) return;
  SharedFrame shared(std::move(frame));
  for (std::int64_t r = step.repeats; r > 0; --r) send(fanout_.previous, step.slot - r, false);
  send(shared, step.slot, key);
  fanout_.previous = std::move(shared);
}

// At the first keyframe: rung time 0, and with v0 the rungs take its composition offset.
void UploadConversion::start_rungs(std::int64_t first_pts) {
  fanout_.first_pts = first_pts;
  main_.video_start = static_cast<double>(first_pts) / video_.timescale;
  for (std::size_t i = 0; i < video_.plans.size(); ++i) {
    fanout_.rungs.push_back(std::make_unique<RungWorker>(
        video_.plans[i], fmt::format("v{}", i + 1), writer_, video_.timescale, video_.spec.frame_rate,
        video_.passthrough ? fanout_.source_cts.value_or(0) : 0, options_.segment_seconds, video_.queue_frames));
  }
}

void UploadConversion::make_sdr(FramePtr& frame) {
  if (is_hdr(*frame) && !prep_.tonemap_failed) {
    try {
      if (!prep_.tonemapper) {
        prep_.tonemapper.emplace(tonemap_filter(), "tonemap", static_cast<int>(options_.cpu_threads));
      }
      assume_hdr_defaults(*frame);
      frame = prep_.tonemapper->filter(*frame, video_.timescale);
      summary_.hdr_tonemapped = true;
    } catch (const TranscodeError& e) {
      prep_.tonemap_failed = true;  // once: the rest of the video is only retagged
      if (options_.log) options_.log->warn("transcode", "HDR tonemapping unavailable, retagging only: {}", e.what());
    }
  }
  if (retag_hdr_as_sdr(*frame)) summary_.hdr_retagged = true;
}

void UploadConversion::offer_thumbnail(const AVFrame& frame, double seconds) {
  if (!prep_.thumbnails) return;
  try {
    prep_.thumbnails->offer(frame, seconds);
  } catch (const TranscodeError& e) {
    // Pictures are extras: a format the scaler cannot take costs them, not the video.
    if (options_.log) options_.log->warn("transcode", "no poster/storyboard: {}", e.what());
    prep_.thumbnails.reset();
  }
}

void UploadConversion::send(const SharedFrame& frame, std::int64_t slot, bool source_key) {
  const std::int64_t pts = prep_.cfr->slot_pts(slot);
  bool idr = slot == 0;
  if (video_.passthrough) {
    // v0's segmenter cuts at the first keyframe a segment's length after the last cut: so do the rungs.
    const std::int64_t elapsed = pts - fanout_.last_forced;
    if (source_key && elapsed + fanout_.half_slot >= fanout_.segment_ticks) idr = true;
    if (elapsed >= fanout_.max_segment_ticks) idr = true;
  } else {
    idr = slot % video_.frames_per_segment == 0;
  }
  if (idr) fanout_.last_forced = pts;
  for (auto& rung : fanout_.rungs) rung->push({frame, pts, idr});
}

// ---- demux ------------------------------------------------------------------

void UploadConversion::demux() {
  AvPacketPtr av_packet = make_packet();
  for (;;) {
    check_cancel();
    const int read = av_read_frame(input_.format.get(), av_packet.get());
    if (read == AVERROR_EOF) break;
    check(read, "read " + input_.path.string());
    const std::span<const std::uint8_t> data{av_packet->data, static_cast<std::size_t>(av_packet->size)};
    if (video_stream_ && av_packet->stream_index == input_.video_index && !data.empty()) {
      on_video_packet(*av_packet, data);
    } else if (audio_stream_ && av_packet->stream_index == input_.audio_index && !data.empty()) {
      on_audio_packet(*av_packet, data);
    }
    av_packet_unref(av_packet.get());
  }
}

void UploadConversion::on_video_packet(const AVPacket& av_packet, std::span<const std::uint8_t> data) {
  std::int64_t dts = av_packet.dts != AV_NOPTS_VALUE ? av_packet.dts : av_packet.pts;
  if (dts == AV_NOPTS_VALUE) dts = demux_.last_video_dts == AV_NOPTS_VALUE ? 0 : demux_.last_video_dts + 1;
  demux_.last_video_dts = dts;
  const std::int64_t pts = video_ticks(av_packet.pts != AV_NOPTS_VALUE ? av_packet.pts : dts);
  dts = video_ticks(dts);
  const bool keyframe = (av_packet.flags & AV_PKT_FLAG_KEY) != 0;
  if (keyframe) {
    fanout_.keyframe_pts.insert(pts);
    while (fanout_.keyframe_pts.size() > kMaxPendingKeyframes) fanout_.keyframe_pts.erase(fanout_.keyframe_pts.begin());
    if (!fanout_.source_cts) {
      fanout_.source_cts = std::clamp<std::int64_t>(pts - dts, 0, 2 * static_cast<std::int64_t>(video_.timescale));
    }
  }
  if (video_.passthrough) pass_through(data, pts, dts, keyframe);
  if (demux_.await_keyframe && !keyframe) return;
  if (demux_.await_keyframe) prep_.decoder->reset();
  demux_.await_keyframe = false;
  demux_.frames.clear();
  try {
    prep_.decoder->decode(data, pts, dts, keyframe, demux_.frames);
  } catch (const TranscodeError& e) {
    if (++losses_.decode_errors == 1 && options_.log) {
      options_.log->warn("transcode", "decode error input={} error=\"{}\" (resuming at the next keyframe)",
                         input_.path.filename().string(), e.what());
    }
    demux_.await_keyframe = true;
  }
  for (auto& frame : demux_.frames) on_frame(std::move(frame));
}

// v0: the source's access unit as it is, with 4-byte NAL lengths.
void UploadConversion::pass_through(std::span<const std::uint8_t> data, std::int64_t pts, std::int64_t dts,
                                    bool keyframe) {
  media::Packet copy;
  copy.kind = TrackKind::video;
  copy.timescale = video_.timescale;
  copy.dts = dts;
  copy.pts = pts;
  copy.keyframe = keyframe;
  copy.data =
      video_.annexb_input ? annexb_to_length_prefixed(data) : to_four_byte_lengths(data, video_.nal_length_size);
  writer_.add_all(main_.segmenter->push(copy), &main_.v0, &main_.a0);
}

void UploadConversion::on_audio_packet(const AVPacket& av_packet, std::span<const std::uint8_t> data) {
  if (!video_stream_ && options_.progress && av_packet.pts != AV_NOPTS_VALUE) {
    // Audio-only: progress is the demuxer's position in the audio.
    if (demux_.first_audio_pts == AV_NOPTS_VALUE) demux_.first_audio_pts = av_packet.pts;
    options_.progress->media_seconds =
        std::max(0.0, static_cast<double>(av_packet.pts - demux_.first_audio_pts) * av_q2d(audio_stream_->time_base));
  }
  if (main_.audio_transcoder) {
    demux_.audio_out.clear();
    main_.audio_transcoder->push(&av_packet, demux_.audio_out);
    for (const auto& packet : demux_.audio_out) push_audio(packet);
  } else {
    push_audio(aac_packet(av_packet, data, audio_stream_->time_base));
  }
}

// ---- end of input -----------------------------------------------------------

// What the decoder and the audio transcoder still hold, and audio still
// waiting for a video frame.
void UploadConversion::drain() {
  if (prep_.decoder) {
    demux_.frames.clear();
    try {
      prep_.decoder->flush(demux_.frames);
    } catch (const TranscodeError& e) {
      if (options_.log) options_.log->warn("transcode", "decoder flush error=\"{}\"", e.what());
    }
    for (auto& frame : demux_.frames) on_frame(std::move(frame));
  }
  if (main_.audio_transcoder) {
    demux_.audio_out.clear();
    main_.audio_transcoder->flush(demux_.audio_out);
    for (const auto& packet : demux_.audio_out) push_audio(packet);
  }
  if (!main_.early_audio.empty()) {
    // The video never started: the audio keeps its own start.
    main_.video_start = main_.video_start.value_or(packet_seconds(main_.early_audio.front()));
    const media::Packet last = main_.early_audio.back();
    main_.early_audio.pop_back();
    push_audio(last);
  }
}

void UploadConversion::finish_tracks() {
  for (auto& rung : fanout_.rungs) {
    const std::string error = rung->finish();
    if (!error.empty()) throw TranscodeError(fmt::format("transcode output: {}", error));
  }
  if (main_.segmenter) writer_.add_all(main_.segmenter->flush(), &main_.v0, &main_.a0);
}

// v0 only when the decoded frames were as regular as the pre-scan said
// (plan_passthrough). Should they not be (decode errors, timestamps the
// decoder changed), v0 is dropped and the rungs, which all come from the same
// constant-rate frames and so still align, carry the video: the next rung
// becomes the top. Failing instead would not help, a retry would do the same.
// Only when there is no rung at all is v0 kept: a single rendition has
// nothing to align with.
void UploadConversion::keep_or_drop_v0() {
  const std::optional<CfrMapper>& cfr = prep_.cfr;
  if (cfr) {
    summary_.dropped_frames = cfr->dropped();
    summary_.repeated_frames = cfr->repeated();
    summary_.retimed_frames = cfr->retimed();
  }
  std::size_t rungs_with_video = 0;
  for (const auto& rung : fanout_.rungs) {
    if (!rung->track().description.segments.empty()) ++rungs_with_video;
  }
  summary_.encoded_rungs = rungs_with_video;
  const bool has_v0 = video_.passthrough && !main_.v0.description.segments.empty();
  const bool regular = !cfr || cfr->regular();
  summary_.passthrough = has_v0 && (regular || rungs_with_video == 0);
  if (has_v0 && !regular && options_.log) {
    options_.log->warn("transcode",
                       "source timing irregular after all input={} dropped={} repeated={} retimed={} jumps={}: {}",
                       input_.path.filename().string(), summary_.dropped_frames, summary_.repeated_frames,
                       summary_.retimed_frames, cfr ? cfr->jumps() : 0,
                       summary_.passthrough ? "passthrough kept, the only video rendition"
                                            : "passthrough dropped, the next rung is the top");
  }
  if (video_.passthrough && !summary_.passthrough) {
    std::error_code ec;
    fs::remove_all(output_dir_ / "v0", ec);
  }
  if (video_stream_ && !summary_.passthrough && fanout_.rungs.empty()) {
    throw TranscodeError(fmt::format("transcode input {}: no decodable video frame", input_.path.string()));
  }
}

// master.m3u8, the media playlists and manifest.mpd; returns the top video track.
const TrackOutput* UploadConversion::write_manifests() {
  package::Presentation presentation;
  presentation.live = false;
  presentation.ended = true;
  presentation.target_duration_seconds = options_.segment_seconds;
  presentation.periods.push_back({0, 0.0});
  std::vector<const TrackOutput*> tracks;
  if (summary_.passthrough) tracks.push_back(&main_.v0);
  for (const auto& rung : fanout_.rungs) tracks.push_back(&rung->track());
  if (main_.audio_config) tracks.push_back(&main_.a0);
  const TrackOutput* top_video = nullptr;
  for (const TrackOutput* track : tracks) {
    if (track->description.segments.empty()) continue;
    presentation.tracks.push_back(track->description);
    const auto& d = track->description;
    summary_.tracks.push_back(
        {d.id, track->name, d.codecs, d.width, d.height, d.segments.size(), d.average_bandwidth, d.peak_bandwidth});
    if (d.kind == TrackKind::video && !top_video) top_video = track;
  }
  if (presentation.tracks.empty()) {
    throw TranscodeError(fmt::format("transcode input {}: no media could be decoded", input_.path.string()));
  }
  write_output_text(output_dir_ / "master.m3u8", package::hls_master_playlist(presentation));
  for (std::size_t i = 0; i < presentation.tracks.size(); ++i) {
    write_output_text(output_dir_ / presentation.tracks[i].id / "media.m3u8",
                      package::hls_media_playlist(presentation, i));
  }
  write_output_text(output_dir_ / "manifest.mpd", package::dash_manifest(presentation, {}));
  summary_.media_seconds = top_video ? top_video->total_seconds : main_.a0.total_seconds;
  return top_video;
}

// download.mp4, poster, storyboard.
void UploadConversion::write_extras(const TrackOutput* top_video) {
  std::vector<CmafTrackFiles> download;
  if (top_video) download.push_back(track_files(output_dir_, top_video->description));
  if (main_.audio_config && !main_.a0.description.segments.empty()) {
    download.push_back(track_files(output_dir_, main_.a0.description));
  }
  write_progressive_mp4(download, output_dir_ / "download.mp4");
  if (prep_.thumbnails) {
    try {
      prep_.thumbnails->write(output_dir_, summary_.media_seconds);
    } catch (const TranscodeError& e) {
      if (options_.log) options_.log->warn("transcode", "no poster/storyboard: {}", e.what());
      for (const char* name : {"poster.jpg", "storyboard.jpg", "storyboard.vtt"}) {
        std::error_code ec;
        fs::remove(output_dir_ / name, ec);
      }
    }
  }
}

void UploadConversion::log_summary() const {
  if (!options_.log) return;
  options_.log->info(
      "transcode",
      "upload converted input={} frames={} media_seconds={:.1f} rotation={} dropped={} repeated={} retimed={} "
      "skipped={} audio_before_video={} decode_errors={} hdr_tonemapped={} hdr_retagged={} passthrough={} "
      "rungs_encoded={}",
      input_.path.filename().string(), summary_.frames, summary_.media_seconds, summary_.rotation,
      summary_.dropped_frames, summary_.repeated_frames, summary_.retimed_frames, losses_.skipped,
      losses_.audio_before_video, losses_.decode_errors, summary_.hdr_tonemapped, summary_.hdr_retagged,
      summary_.passthrough, summary_.encoded_rungs);
}

}  // namespace

VodTranscodeSummary transcode_upload(const fs::path& input, const fs::path& output_dir,
                                     const VodTranscodeOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();
  UploadInput source = open_upload_input(input);
  fs::create_directories(output_dir);
  UploadConversion conversion(std::move(source), output_dir, options);
  VodTranscodeSummary summary = conversion.run();
  summary.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  summary.cpu_seconds = process_cpu_seconds() - cpu_start;
  return summary;
}

}  // namespace tidecast::transcode
