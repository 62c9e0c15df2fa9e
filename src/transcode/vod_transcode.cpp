#include "transcode/vod_transcode.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

extern "C" {
#include <libavutil/imgutils.h>
}

#include "core/clock.hpp"
#include "media/aac.hpp"
#include "media/avc.hpp"
#include "package/dash_manifest.hpp"
#include "package/hls_playlist.hpp"
#include "package/segmenter.hpp"
#include "transcode/annexb.hpp"
#include "transcode/audio_transcoder.hpp"
#include "transcode/file_output.hpp"
#include "transcode/frame_prep.hpp"
#include "transcode/progressive.hpp"
#include "transcode/thumbnails.hpp"
#include "transcode/video_codec.hpp"

namespace tidecast::transcode {

namespace {

namespace fs = std::filesystem;
using media::TrackKind;
using SharedFrame = std::shared_ptr<const AVFrame>;

// Decoded frames waiting per rung: enough that a rung's bursts (x264 frame
// threads, segment writes) do not stall the others, bounded in bytes (frames
// are shared by the rungs, so this bounds the decoded frames held in all).
constexpr std::size_t kRungQueueBytes = 96u << 20;
constexpr std::size_t kMinRungQueueFrames = 8;
constexpr std::size_t kMaxRungQueueFrames = 32;

struct SharedFrameDeleter {
  void operator()(const AVFrame* frame) const {
    AVFrame* p = const_cast<AVFrame*>(frame);
    av_frame_free(&p);
  }
};

// One rung: its own thread encoding frames from a bounded queue into CMAF.
class RungWorker {
 public:
  struct Item {
    SharedFrame frame;
    std::int64_t pts = 0;
    bool idr = false;
  };

  RungWorker(RungPlan plan, std::string id, const TrackWriter& writer, std::uint32_t timescale, double frame_rate,
             std::int64_t cts, double segment_seconds, std::size_t queue_frames)
      : queue_frames_(queue_frames),
        plan_(std::move(plan)),
        writer_(writer),
        timescale_(timescale),
        frame_rate_(frame_rate),
        cts_(cts),
        segment_seconds_(segment_seconds) {
    track_.description.id = std::move(id);
    track_.name = plan_.rung.name;
    thread_ = std::thread([this] { run(); });
  }
  ~RungWorker() {
    {
      std::lock_guard lock(mutex_);
      abort_ = true;
      finish_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  RungWorker(const RungWorker&) = delete;
  RungWorker& operator=(const RungWorker&) = delete;

  void push(Item item) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return queue_.size() < queue_frames_; });
    queue_.push_back(std::move(item));
    lock.unlock();
    cv_.notify_all();
  }
  // No more frames: flush and wait. Returns the error, if any.
  std::string finish() {
    {
      std::lock_guard lock(mutex_);
      finish_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    return error_;
  }
  const TrackOutput& track() const { return track_; }
  const RungPlan& plan() const { return plan_; }

 private:
  void run() {
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return !queue_.empty() || finish_; });
        if (abort_) return;
        if (queue_.empty()) break;
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      cv_.notify_all();
      if (!error_.empty()) continue;
      try {
        encode(item);
      } catch (const std::exception& e) {
        error_ = fmt::format("rung {}: {}", plan_.rung.name, e.what());
      }
    }
    if (!error_.empty()) return;
    try {
      if (encoder_) {
        out_.clear();
        encoder_->flush(out_);
        emit();
      }
      if (segmenter_) {
        for (auto& segment : segmenter_->flush()) writer_.add(track_, segment);
      }
    } catch (const std::exception& e) {
      error_ = fmt::format("rung {}: {}", plan_.rung.name, e.what());
    }
  }

  void encode(const Item& item) {
    if (!encoder_) {
      encoder_ = std::make_unique<RungEncoder>(plan_, timescale_, frame_rate_);
      media::StreamInfo info;
      info.video = media::avc_video_config(encoder_->avcc());
      info.video->frame_rate = frame_rate_;
      segmenter_.emplace(info, package::SegmenterOptions{segment_seconds_, 0, 1});
      writer_.init(track_, *segmenter_, TrackKind::video);
    }
    out_.clear();
    encoder_->encode(item.frame.get(), item.pts, item.idr, out_);
    emit();
  }

  void emit() {
    for (auto& encoded : out_) {
      media::Packet packet;
      packet.kind = TrackKind::video;
      packet.timescale = timescale_;
      packet.pts = encoded.pts;
      packet.dts = encoded.pts - cts_;  // no B-frames: decode order is presentation order
      packet.keyframe = encoded.keyframe;
      packet.data = std::move(encoded.data);
      for (auto& segment : segmenter_->push(packet)) writer_.add(track_, segment);
    }
    out_.clear();
  }

  const std::size_t queue_frames_;
  RungPlan plan_;
  const TrackWriter& writer_;
  const std::uint32_t timescale_;
  const double frame_rate_;
  const std::int64_t cts_;
  const double segment_seconds_;
  TrackOutput track_;
  std::unique_ptr<RungEncoder> encoder_;
  std::optional<package::Segmenter> segmenter_;
  std::vector<EncodedPacket> out_;
  std::string error_;  // worker thread; read after join

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool finish_ = false;
  bool abort_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

int pick_video_stream(AVFormatContext* format) {
  int best = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (best >= 0 && !(format->streams[best]->disposition & AV_DISPOSITION_ATTACHED_PIC)) return best;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* s = format->streams[i];
    if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(s->disposition & AV_DISPOSITION_ATTACHED_PIC) &&
        avcodec_find_decoder(s->codecpar->codec_id)) {
      return static_cast<int>(i);
    }
  }
  return -1;  // none, or only cover art
}

// The first audio stream marked default, else the first audio stream.
int pick_audio_stream(const AVFormatContext* format) {
  int first = -1;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* s = format->streams[i];
    if (s->codecpar->codec_type != AVMEDIA_TYPE_AUDIO || s->codecpar->sample_rate <= 0 ||
        !avcodec_find_decoder(s->codecpar->codec_id)) {
      continue;
    }
    if (s->disposition & AV_DISPOSITION_DEFAULT) return static_cast<int>(i);
    if (first < 0) first = static_cast<int>(i);
  }
  return first;
}

CmafTrackFiles track_files(const fs::path& dir, const package::TrackDescription& d) {
  CmafTrackFiles files;
  files.init = dir / d.id / "init-0.mp4";
  for (const auto& segment : d.segments) files.segments.push_back(dir / d.id / segment.file_name());
  return files;
}

}  // namespace

VodTranscodeSummary transcode_upload(const fs::path& input, const fs::path& output_dir,
                                     const VodTranscodeOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();
  auto check_cancel = [&] {
    if (options.cancel && options.cancel->load()) throw TranscodeCancelled();
  };

  AVFormatContext* raw_format = nullptr;
  check(avformat_open_input(&raw_format, input.c_str(), nullptr, nullptr), "open " + input.string());
  FormatInputPtr format(raw_format);
  check(avformat_find_stream_info(format.get(), nullptr), "probe " + input.string());
  const int video_index = pick_video_stream(format.get());
  const int audio_index = pick_audio_stream(format.get());
  if (video_index < 0 && audio_index < 0) {
    throw TranscodeError(fmt::format("transcode input {}: no video or audio stream", input.string()));
  }
  VodTranscodeSummary summary;
  summary.audio_only = video_index < 0;
  fs::create_directories(output_dir);
  const TrackWriter writer(output_dir, options.segment_seconds, core::unix_now_ms());
  const package::SegmenterOptions seg_options{options.segment_seconds, 0, 1};
  const std::size_t cpu_threads =
      options.cpu_threads > 0 ? options.cpu_threads : std::max(1u, std::thread::hardware_concurrency());

  // ---- video setup ----------------------------------------------------------
  const AVStream* video_stream = video_index >= 0 ? format->streams[video_index] : nullptr;
  std::uint32_t timescale = 90000;
  AVRational vtb{1, 90000};
  VideoSourceSpec spec;
  std::optional<VideoDecoder> decoder;
  std::optional<media::VideoTrackConfig> passthrough;
  int nal_length_size = 4;
  bool annexb_input = false;
  AVRational out_rate{30, 1};
  std::vector<RungPlan> plans;
  std::optional<PictureFilter> rotator;
  std::optional<PictureFilter> tonemapper;  // built on the first HDR frame
  bool tonemap_failed = false;
  std::optional<CfrMapper> cfr;
  std::optional<Thumbnailer> thumbnails;
  std::int64_t frames_per_segment = 1;
  std::size_t queue_frames = kMinRungQueueFrames;
  if (video_stream) {
    const AVCodecParameters* vpar = video_stream->codecpar;
    vtb = video_stream->time_base;
    timescale = vtb.num == 1 && vtb.den > 0 ? static_cast<std::uint32_t>(vtb.den) : 90000u;
    spec.codec = vpar->codec_id;
    if (vpar->extradata_size > 0) spec.extradata.assign(vpar->extradata, vpar->extradata + vpar->extradata_size);
    spec.width = vpar->width;
    spec.height = vpar->height;
    const int frame_bytes = vpar->format >= 0 ? av_image_get_buffer_size(static_cast<AVPixelFormat>(vpar->format),
                                                                         spec.width, spec.height, 1)
                                              : spec.width * spec.height * 3;
    if (frame_bytes > 0) {
      queue_frames =
          std::clamp(kRungQueueBytes / static_cast<std::size_t>(frame_bytes), kMinRungQueueFrames, kMaxRungQueueFrames);
    }
    const AVRational sar = av_guess_sample_aspect_ratio(format.get(), format->streams[video_index], nullptr);
    spec.sar_num = sar.num > 0 ? sar.num : 1;
    spec.sar_den = sar.num > 0 ? sar.den : 1;
    out_rate = constant_frame_rate(video_stream->avg_frame_rate, video_stream->r_frame_rate);
    spec.frame_rate = av_q2d(out_rate);
    spec.timescale = timescale;
    summary.frame_rate = spec.frame_rate;
    summary.rotation = stream_rotation(video_stream);
    rotator.emplace(rotation_filter(summary.rotation), "rotate");
    cfr.emplace(out_rate, timescale);
    frames_per_segment = std::max<std::int64_t>(1, std::llround(options.segment_seconds * spec.frame_rate));

    const bool turned = summary.rotation == 90 || summary.rotation == 270;
    const bool clean_picture = summary.rotation == 0 && spec.width % 2 == 0 && spec.height % 2 == 0 &&
                               (vpar->format == AV_PIX_FMT_YUV420P || vpar->format == AV_PIX_FMT_YUVJ420P);
    if (options.ladder.passthrough && clean_picture && vpar->codec_id == AV_CODEC_ID_H264 && !spec.extradata.empty()) {
      try {
        annexb_input = spec.extradata[0] != 1;
        const Bytes avcc = avcc_from_extradata(spec.extradata);
        nal_length_size = media::parse_avcc(avcc).nal_length_size;
        passthrough = media::avc_video_config(avcc);
        passthrough->frame_rate = spec.frame_rate;
      } catch (const std::exception& e) {
        if (options.log) options.log->warn("transcode", "no passthrough: unusable H.264 config ({})", e.what());
        passthrough.reset();
      }
    }
    plans = plan_upload_ladder(options.ladder, turned ? spec.height : spec.width, turned ? spec.width : spec.height,
                               cpu_threads, turned ? spec.sar_den : spec.sar_num, turned ? spec.sar_num : spec.sar_den);
    if (!passthrough && plans.empty()) {
      throw TranscodeError(fmt::format("transcode input {}: nothing to output ({} {}x{}: no rung fits)", input.string(),
                                       avcodec_get_name(vpar->codec_id), vpar->width, vpar->height));
    }
    for (auto& plan : plans) {
      if (options.codec_auto_threads && options.ladder.x264_threads == 0) plan.x264_threads = 0;
    }
    decoder.emplace(spec, options.codec_auto_threads ? 0 : 1);
    const int top_width = passthrough ? spec.width : plans.front().width;
    const int top_height = passthrough ? spec.height : plans.front().height;
    thumbnails.emplace(options.duration_hint, poster_size(top_width, top_height));
    if (options.log) {
      std::string list;
      for (const auto& plan : plans) {
        list += fmt::format("{}{}={}x{}@{}k", list.empty() ? "" : ",", plan.rung.name, plan.width, plan.height,
                            plan.rung.video_bitrate_kbps);
      }
      options.log->info("transcode", "upload ladder source={}x{} {} rotation={} rate={}/{} passthrough={} rungs={}",
                        spec.width, spec.height, avcodec_get_name(vpar->codec_id), summary.rotation, out_rate.num,
                        out_rate.den, passthrough ? "yes" : "no", list.empty() ? "none" : list);
    }
  }
  auto video_ticks = [&](std::int64_t ts) {
    return vtb.num == 1 ? ts : av_rescale_q(ts, vtb, AVRational{1, static_cast<int>(timescale)});
  };

  // ---- audio setup ----------------------------------------------------------
  const AVStream* audio_stream = audio_index >= 0 ? format->streams[audio_index] : nullptr;
  AudioPlan audio_plan = plan_audio(audio_stream, options.ladder);
  std::optional<media::AudioTrackConfig> audio_config = std::move(audio_plan.config);
  std::unique_ptr<AudioTranscoder> audio_transcoder = std::move(audio_plan.transcoder);

  // v0 (+ a0 riding along, cut at v0's segments) or a0 alone.
  std::optional<package::Segmenter> main_segmenter;
  TrackOutput v0;
  TrackOutput a0;
  v0.description.id = "v0";
  v0.name = "source";
  a0.description.kind = TrackKind::audio;
  a0.description.id = "a0";
  a0.name = "audio";
  auto open_main = [&](double timeline_start) {
    media::StreamInfo info;
    info.video = passthrough;
    info.audio = audio_config;
    package::SegmenterOptions main_options = seg_options;
    main_options.timeline_start_seconds = timeline_start;
    main_segmenter.emplace(info, main_options);
    if (passthrough) writer.init(v0, *main_segmenter, TrackKind::video);
    if (audio_config) writer.init(a0, *main_segmenter, TrackKind::audio);
  };
  // Without v0, a0 has a segmenter of its own, whose timeline must start where
  // the audio starts relative to the first video frame (rung time 0): it is
  // opened once that frame is known; audio before it is dropped (as with v0).
  const bool audio_waits_for_video = video_stream && !passthrough && audio_config;
  if (passthrough || (audio_config && !audio_waits_for_video)) open_main(0.0);
  std::optional<double> video_start;  // source seconds of the first video frame
  std::vector<media::Packet> early_audio;
  std::uint64_t audio_before_video = 0;
  auto packet_seconds = [](const media::Packet& p) {
    return p.timescale > 0 ? static_cast<double>(p.pts) / p.timescale : 0.0;
  };
  auto push_audio = [&](const media::Packet& packet) {
    if (main_segmenter) {
      writer.add_all(main_segmenter->push(packet), &v0, &a0);
      return;
    }
    if (!video_start && early_audio.size() < 2000) {  // ~40 s of AAC: the video never starts otherwise
      early_audio.push_back(packet);
      return;
    }
    early_audio.push_back(packet);
    const double start = video_start.value_or(packet_seconds(early_audio.front()));
    std::optional<double> first;
    for (const auto& early : early_audio) {
      const double at = packet_seconds(early);
      if (at < start - 0.001) {
        ++audio_before_video;
        continue;
      }
      if (!first) {
        first = at;
        open_main(at - start);
      }
      writer.add_all(main_segmenter->push(early), &v0, &a0);
    }
    early_audio.clear();
  };

  // ---- frames: upright, constant rate, to every rung --------------------------
  std::vector<std::unique_ptr<RungWorker>> rungs;  // started at the first frame (the keyframe offset is known)
  std::set<std::int64_t> keyframe_pts;
  std::optional<std::int64_t> source_cts;
  std::optional<std::int64_t> first_pts;
  SharedFrame previous;
  std::int64_t last_forced = 0;
  std::int64_t last_pts = 0;
  std::uint64_t skipped = 0;
  const std::int64_t segment_ticks = std::llround(options.segment_seconds * timescale);
  const std::int64_t max_segment_ticks = std::llround(std::max(10.0, 3.0 * options.segment_seconds) * timescale);
  const std::int64_t half_slot =
      std::max<std::int64_t>(1, std::llround(spec.frame_rate > 0 ? timescale / spec.frame_rate / 2 : 1.0));
  auto send = [&](const SharedFrame& frame, std::int64_t slot, bool source_key) {
    const std::int64_t pts = cfr->slot_pts(slot);
    bool idr = slot == 0;
    if (passthrough) {
      // v0's segmenter cuts at the first keyframe a segment's length after the last cut: so do the rungs.
      const std::int64_t elapsed = pts - last_forced;
      if (source_key && elapsed + half_slot >= segment_ticks) idr = true;
      if (elapsed >= max_segment_ticks) idr = true;
    } else {
      idr = slot % frames_per_segment == 0;
    }
    if (idr) last_forced = pts;
    for (auto& rung : rungs) rung->push({frame, pts, idr});
  };
  auto on_frame = [&](FramePtr frame) {
    if (frame->pts == AV_NOPTS_VALUE) frame->pts = last_pts + 2 * half_slot;
    const bool key = keyframe_pts.erase(frame->pts) > 0 || frame->key_frame;
    if (!first_pts) {
      if (!key) {
        ++skipped;
        return;
      }
      first_pts = frame->pts;
      video_start = static_cast<double>(*first_pts) / timescale;
      for (std::size_t i = 0; i < plans.size(); ++i) {
        rungs.push_back(std::make_unique<RungWorker>(plans[i], fmt::format("v{}", i + 1), writer, timescale,
                                                     spec.frame_rate, passthrough ? source_cts.value_or(0) : 0,
                                                     options.segment_seconds, queue_frames));
      }
    }
    last_pts = frame->pts;
    frame = rotator->apply(std::move(frame), timescale);
    if (is_hdr(*frame) && !tonemap_failed) {
      try {
        if (!tonemapper) tonemapper.emplace(tonemap_filter(), "tonemap", static_cast<int>(options.cpu_threads));
        assume_hdr_defaults(*frame);
        frame = tonemapper->filter(*frame, timescale);
        summary.hdr_tonemapped = true;
      } catch (const TranscodeError& e) {
        tonemap_failed = true;  // once: the rest of the video is only retagged
        if (options.log) options.log->warn("transcode", "HDR tonemapping unavailable, retagging only: {}", e.what());
      }
    }
    if (retag_hdr_as_sdr(*frame)) summary.hdr_retagged = true;
    const double seconds = static_cast<double>(frame->pts - *first_pts) / timescale;
    if (options.progress) {
      options.progress->media_seconds = std::max(0.0, seconds);
      options.progress->frames.fetch_add(1);
    }
    ++summary.frames;
    if (thumbnails) {
      try {
        thumbnails->offer(*frame, seconds);
      } catch (const TranscodeError& e) {
        // Pictures are extras: a format the scaler cannot take costs them, not the video.
        if (options.log) options.log->warn("transcode", "no poster/storyboard: {}", e.what());
        thumbnails.reset();
      }
    }
    const CfrMapper::Step step = cfr->push(frame->pts);
    if (!step.take) return;
    SharedFrame shared(frame.release(), SharedFrameDeleter{});
    for (std::int64_t r = step.repeats; r > 0; --r) send(previous, step.slot - r, false);
    send(shared, step.slot, key);
    previous = std::move(shared);
  };

  // ---- demux ----------------------------------------------------------------
  AvPacketPtr av_packet = make_packet();
  std::vector<FramePtr> frames;
  std::vector<media::Packet> audio_out;
  std::int64_t last_video_dts = AV_NOPTS_VALUE;
  std::int64_t first_audio_pts = AV_NOPTS_VALUE;
  std::uint64_t decode_errors = 0;
  bool await_keyframe = false;
  for (;;) {
    check_cancel();
    const int read = av_read_frame(format.get(), av_packet.get());
    if (read == AVERROR_EOF) break;
    check(read, "read " + input.string());
    const std::span<const std::uint8_t> data{av_packet->data, static_cast<std::size_t>(av_packet->size)};
    if (video_stream && av_packet->stream_index == video_index && !data.empty()) {
      std::int64_t dts = av_packet->dts != AV_NOPTS_VALUE ? av_packet->dts : av_packet->pts;
      if (dts == AV_NOPTS_VALUE) dts = last_video_dts == AV_NOPTS_VALUE ? 0 : last_video_dts + 1;
      last_video_dts = dts;
      const std::int64_t pts = video_ticks(av_packet->pts != AV_NOPTS_VALUE ? av_packet->pts : dts);
      dts = video_ticks(dts);
      const bool keyframe = (av_packet->flags & AV_PKT_FLAG_KEY) != 0;
      if (keyframe) {
        keyframe_pts.insert(pts);
        while (keyframe_pts.size() > 4096) keyframe_pts.erase(keyframe_pts.begin());
        if (!source_cts) source_cts = std::clamp<std::int64_t>(pts - dts, 0, 2 * static_cast<std::int64_t>(timescale));
      }
      if (passthrough) {
        media::Packet copy;
        copy.kind = TrackKind::video;
        copy.timescale = timescale;
        copy.dts = dts;
        copy.pts = pts;
        copy.keyframe = keyframe;
        copy.data = annexb_input ? annexb_to_length_prefixed(data) : to_four_byte_lengths(data, nal_length_size);
        writer.add_all(main_segmenter->push(copy), &v0, &a0);
      }
      if (await_keyframe && !keyframe) {
        av_packet_unref(av_packet.get());
        continue;
      }
      if (await_keyframe) decoder->reset();
      await_keyframe = false;
      frames.clear();
      try {
        decoder->decode(data, pts, dts, keyframe, frames);
      } catch (const TranscodeError& e) {
        if (++decode_errors == 1 && options.log) {
          options.log->warn("transcode", "decode error input={} error=\"{}\" (resuming at the next keyframe)",
                            input.filename().string(), e.what());
        }
        await_keyframe = true;
      }
      for (auto& frame : frames) on_frame(std::move(frame));
    } else if (audio_stream && av_packet->stream_index == audio_index && !data.empty()) {
      if (!video_stream && options.progress && av_packet->pts != AV_NOPTS_VALUE) {
        // Audio-only: progress is the demuxer's position in the audio.
        if (first_audio_pts == AV_NOPTS_VALUE) first_audio_pts = av_packet->pts;
        options.progress->media_seconds =
            std::max(0.0, static_cast<double>(av_packet->pts - first_audio_pts) * av_q2d(audio_stream->time_base));
      }
      if (audio_transcoder) {
        audio_out.clear();
        audio_transcoder->push(av_packet.get(), audio_out);
        for (const auto& packet : audio_out) push_audio(packet);
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
        push_audio(packet);
      }
    }
    av_packet_unref(av_packet.get());
  }
  if (decoder) {
    frames.clear();
    try {
      decoder->flush(frames);
    } catch (const TranscodeError& e) {
      if (options.log) options.log->warn("transcode", "decoder flush error=\"{}\"", e.what());
    }
    for (auto& frame : frames) on_frame(std::move(frame));
  }
  if (audio_transcoder) {
    audio_out.clear();
    audio_transcoder->flush(audio_out);
    for (const auto& packet : audio_out) push_audio(packet);
  }
  if (!early_audio.empty()) {
    // The video never started: the audio keeps its own start.
    video_start = video_start.value_or(packet_seconds(early_audio.front()));
    const media::Packet last = early_audio.back();
    early_audio.pop_back();
    push_audio(last);
  }
  for (auto& rung : rungs) {
    const std::string error = rung->finish();
    if (!error.empty()) throw TranscodeError(fmt::format("transcode output: {}", error));
  }
  if (main_segmenter) writer.add_all(main_segmenter->flush(), &v0, &a0);
  check_cancel();

  // ---- v0 only when the source really was regular ------------------------------
  if (cfr) {
    summary.dropped_frames = cfr->dropped();
    summary.repeated_frames = cfr->repeated();
    summary.retimed_frames = cfr->retimed();
  }
  summary.passthrough = passthrough && !v0.description.segments.empty() && summary.dropped_frames == 0 &&
                        summary.repeated_frames == 0 && (!cfr || (cfr->jumps() == 0 && cfr->retimed() == 0));
  if (passthrough && !summary.passthrough) {
    std::error_code ec;
    fs::remove_all(output_dir / "v0", ec);
  }
  if (video_stream && !summary.passthrough && rungs.empty()) {
    throw TranscodeError(fmt::format("transcode input {}: no decodable video frame", input.string()));
  }

  // ---- manifests ------------------------------------------------------------
  package::Presentation presentation;
  presentation.live = false;
  presentation.ended = true;
  presentation.target_duration_seconds = options.segment_seconds;
  presentation.periods.push_back({0, 0.0});
  std::vector<const TrackOutput*> tracks;
  if (summary.passthrough) tracks.push_back(&v0);
  for (const auto& rung : rungs) tracks.push_back(&rung->track());
  if (audio_config) tracks.push_back(&a0);
  const TrackOutput* top_video = nullptr;
  for (const TrackOutput* track : tracks) {
    if (track->description.segments.empty()) continue;
    presentation.tracks.push_back(track->description);
    const auto& d = track->description;
    summary.tracks.push_back(
        {d.id, track->name, d.codecs, d.width, d.height, d.segments.size(), d.average_bandwidth, d.peak_bandwidth});
    if (d.kind == TrackKind::video && !top_video) top_video = track;
  }
  if (presentation.tracks.empty()) {
    throw TranscodeError(fmt::format("transcode input {}: no media could be decoded", input.string()));
  }
  write_output_text(output_dir / "master.m3u8", package::hls_master_playlist(presentation));
  for (std::size_t i = 0; i < presentation.tracks.size(); ++i) {
    write_output_text(output_dir / presentation.tracks[i].id / "media.m3u8",
                      package::hls_media_playlist(presentation, i));
  }
  write_output_text(output_dir / "manifest.mpd", package::dash_manifest(presentation, {}));
  summary.media_seconds = top_video ? top_video->total_seconds : a0.total_seconds;

  // ---- download.mp4, poster, storyboard -------------------------------------------
  std::vector<CmafTrackFiles> download;
  if (top_video) download.push_back(track_files(output_dir, top_video->description));
  if (audio_config && !a0.description.segments.empty()) download.push_back(track_files(output_dir, a0.description));
  write_progressive_mp4(download, output_dir / "download.mp4");
  if (thumbnails) {
    try {
      thumbnails->write(output_dir, summary.media_seconds);
    } catch (const TranscodeError& e) {
      if (options.log) options.log->warn("transcode", "no poster/storyboard: {}", e.what());
      for (const char* name : {"poster.jpg", "storyboard.jpg", "storyboard.vtt"}) {
        std::error_code ec;
        fs::remove(output_dir / name, ec);
      }
    }
  }

  if (options.log) {
    options.log->info(
        "transcode",
        "upload converted input={} frames={} media_seconds={:.1f} rotation={} dropped={} repeated={} retimed={} "
        "skipped={} audio_before_video={} decode_errors={} hdr_tonemapped={} hdr_retagged={} passthrough={}",
        input.filename().string(), summary.frames, summary.media_seconds, summary.rotation, summary.dropped_frames,
        summary.repeated_frames, summary.retimed_frames, skipped, audio_before_video, decode_errors,
        summary.hdr_tonemapped, summary.hdr_retagged, summary.passthrough);
  }
  summary.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  summary.cpu_seconds = process_cpu_seconds() - cpu_start;
  return summary;
}

}  // namespace tidecast::transcode
