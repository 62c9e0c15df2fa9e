#include "transcode/video_codec.hpp"

#include <fmt/format.h>

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

#include <cmath>
#include <cstring>

namespace tidecast::transcode {

namespace {

AVCodecID codec_id(media::Codec codec) {
  switch (codec) {
    case media::Codec::h264:
      return AV_CODEC_ID_H264;
    case media::Codec::hevc:
      return AV_CODEC_ID_HEVC;
    case media::Codec::av1:
      return AV_CODEC_ID_AV1;
    case media::Codec::aac:
      break;
  }
  throw TranscodeError("transcode: aac is not a video codec");
}

void set_extradata(AVCodecContext* ctx, const Bytes& extradata) {
  if (extradata.empty()) return;
  ctx->extradata = static_cast<std::uint8_t*>(av_mallocz(extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!ctx->extradata) throw TranscodeError("transcode: out of memory (extradata)");
  std::memcpy(ctx->extradata, extradata.data(), extradata.size());
  ctx->extradata_size = static_cast<int>(extradata.size());
}

void set_option(void* obj, const char* key, const std::string& value, std::string_view context) {
  if (value.empty()) return;
  check(av_opt_set(obj, key, value.c_str(), 0), fmt::format("{} option {}={}", context, key, value));
}

// "3.1" -> 31, "1b" -> 9 (level_idc), "" -> -1 (x264 chooses).
constexpr const char* kX264Params = "ratetol=0.3";

int level_idc(const std::string& level) {
  if (level.empty()) return -1;
  if (level == "1b") return 9;
  const double value = std::stod(level);
  return static_cast<int>(std::lround(value * 10));
}

}  // namespace

VideoSourceSpec video_source_spec(const media::VideoTrackConfig& video, std::uint32_t timescale) {
  VideoSourceSpec spec;
  spec.codec = codec_id(video.codec);
  spec.extradata = video.decoder_config;
  spec.width = video.width;
  spec.height = video.height;
  spec.frame_rate = video.frame_rate;
  spec.timescale = timescale;
  return spec;
}

VideoDecoder::VideoDecoder(const VideoSourceSpec& spec, int threads, bool preview) : packet_(make_packet()) {
  const AVCodec* codec = avcodec_find_decoder(spec.codec);
  const std::string context = fmt::format("decoder {}", avcodec_get_name(spec.codec));
  ctx_ = make_codec_context(codec, context);
  set_extradata(ctx_.get(), spec.extradata);
  ctx_->pkt_timebase = AVRational{1, static_cast<int>(spec.timescale)};
  ctx_->thread_count = std::max(0, threads);
  if (threads != 1) ctx_->thread_type = FF_THREAD_FRAME;
  if (preview) {
    ctx_->skip_loop_filter = AVDISCARD_ALL;
    ctx_->flags2 |= AV_CODEC_FLAG2_FAST;
  }
  check(avcodec_open2(ctx_.get(), codec, nullptr), "open " + context);
}

void VideoDecoder::decode(std::span<const std::uint8_t> data, std::int64_t pts, std::int64_t dts, bool keyframe,
                          std::vector<FramePtr>& out) {
  av_packet_unref(packet_.get());
  check(av_new_packet(packet_.get(), static_cast<int>(data.size())), "decode: packet");
  std::memcpy(packet_->data, data.data(), data.size());
  packet_->pts = pts;
  packet_->dts = dts;
  if (keyframe) packet_->flags |= AV_PKT_FLAG_KEY;
  const int sent = avcodec_send_packet(ctx_.get(), packet_.get());
  av_packet_unref(packet_.get());
  if (sent < 0 && sent != AVERROR(EAGAIN)) check(sent, fmt::format("decode {}", ctx_->codec->name));
  receive(out);
}

void VideoDecoder::flush(std::vector<FramePtr>& out) {
  const int sent = avcodec_send_packet(ctx_.get(), nullptr);
  if (sent < 0 && sent != AVERROR_EOF) check(sent, fmt::format("decode {} flush", ctx_->codec->name));
  receive(out);
}

void VideoDecoder::reset() {
  avcodec_flush_buffers(ctx_.get());
}

void VideoDecoder::receive(std::vector<FramePtr>& out) {
  for (;;) {
    FramePtr frame = make_frame();
    const int got = avcodec_receive_frame(ctx_.get(), frame.get());
    if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return;
    check(got, fmt::format("decode {}", ctx_->codec->name));
    if (frame->pts == AV_NOPTS_VALUE) frame->pts = frame->best_effort_timestamp;
    out.push_back(std::move(frame));
  }
}

RungEncoder::RungEncoder(const RungPlan& plan, std::uint32_t timescale, double frame_rate)
    : scaled_(make_frame()), packet_(make_packet()) {
  const std::string context = fmt::format("encoder libx264 rung {}", plan.rung.name);
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  ctx_ = make_codec_context(codec, context);
  ctx_->width = plan.width;
  ctx_->height = plan.height;
  ctx_->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx_->sample_aspect_ratio = AVRational{1, 1};
  ctx_->time_base = AVRational{1, static_cast<int>(timescale)};
  if (frame_rate > 0) ctx_->framerate = av_d2q(frame_rate, 100000);
  ctx_->bit_rate = static_cast<std::int64_t>(plan.rung.video_bitrate_kbps) * 1000;
  ctx_->rc_max_rate = static_cast<std::int64_t>(plan.rung.maxrate_kbps) * 1000;
  ctx_->rc_buffer_size = plan.rung.bufsize_kbps * 1000;
  ctx_->gop_size = 1 << 30;  // keyframes only where forced (aligned with the source)
  ctx_->keyint_min = 1;
  ctx_->max_b_frames = 0;
  ctx_->thread_count = std::max(0, plan.x264_threads);  // 0: x264 decides
  ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check(av_opt_set_int(ctx_->priv_data, "sc_threshold", 0, 0), context + " option sc_threshold");
  set_option(ctx_->priv_data, "preset", plan.rung.preset, context);
  // A low-latency rung adds x264's zerolatency tune (no look-ahead, no frame
  // threads): a frame is encoded before the next arrives.
  const std::string tune = !plan.low_latency        ? plan.rung.tune
                           : plan.rung.tune.empty() ? std::string("zerolatency")
                                                    : plan.rung.tune + ",zerolatency";
  set_option(ctx_->priv_data, "tune", tune, context);
  set_option(ctx_->priv_data, "profile", plan.rung.profile, context);
  check(av_opt_set_int(ctx_->priv_data, "forced-idr", 1, 0), context + " option forced-idr");
  // Tighter ABR than x264's default (1.0): keeps every 2-s window of the rung
  // close to its target, so peaks stay under maxrate for players and caches.
  check(av_opt_set(ctx_->priv_data, "x264-params", kX264Params, 0), context + " option x264-params");
  const int level = level_idc(plan.rung.level);
  if (level > 0) ctx_->level = level;
  check(avcodec_open2(ctx_.get(), codec, nullptr), "open " + context);
  if (!ctx_->extradata || ctx_->extradata_size <= 0) throw TranscodeError("transcode " + context + ": no extradata");
  try {
    avcc_ = avcc_from_extradata({ctx_->extradata, static_cast<std::size_t>(ctx_->extradata_size)});
  } catch (const std::exception& e) {
    throw TranscodeError(fmt::format("transcode {}: bad SPS/PPS from x264: {}", context, e.what()));
  }
  scaled_->format = AV_PIX_FMT_YUV420P;
  scaled_->width = plan.width;
  scaled_->height = plan.height;
  check(av_frame_get_buffer(scaled_.get(), 0), context + ": frame buffer");
}

void RungEncoder::encode(const AVFrame* source, std::int64_t pts, bool force_idr, std::vector<EncodedPacket>& out) {
  if (source->width != src_width_ || source->height != src_height_ || source->format != src_format_) {
    sws_.reset(sws_getContext(source->width, source->height, static_cast<AVPixelFormat>(source->format), ctx_->width,
                              ctx_->height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr));
    if (!sws_) {
      throw TranscodeError(fmt::format("transcode scale: cannot convert {}x{} {} to {}x{}", source->width,
                                       source->height, av_get_pix_fmt_name(static_cast<AVPixelFormat>(source->format)),
                                       ctx_->width, ctx_->height));
    }
    src_width_ = source->width;
    src_height_ = source->height;
    src_format_ = source->format;
    if (source->colorspace != AVCOL_SPC_UNSPECIFIED) ctx_->colorspace = source->colorspace;
  }
  check(av_frame_make_writable(scaled_.get()), "scale: frame buffer");
  sws_scale(sws_.get(), source->data, source->linesize, 0, source->height, scaled_->data, scaled_->linesize);
  scaled_->pts = pts;
  scaled_->pict_type = force_idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  scaled_->color_primaries = source->color_primaries;
  scaled_->color_trc = source->color_trc;
  scaled_->colorspace = source->colorspace;
  check(avcodec_send_frame(ctx_.get(), scaled_.get()), "encode libx264");
  receive(out);
}

void RungEncoder::flush(std::vector<EncodedPacket>& out) {
  const int sent = avcodec_send_frame(ctx_.get(), nullptr);
  if (sent < 0 && sent != AVERROR_EOF) check(sent, "encode libx264 flush");
  receive(out);
}

void RungEncoder::receive(std::vector<EncodedPacket>& out) {
  for (;;) {
    const int got = avcodec_receive_packet(ctx_.get(), packet_.get());
    if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return;
    check(got, "encode libx264");
    EncodedPacket encoded;
    const std::span<const std::uint8_t> payload{packet_->data, static_cast<std::size_t>(packet_->size)};
    // libx264 emits Annex B; keep 4-byte length-prefixed output as it is.
    encoded.data = is_annexb(payload) ? annexb_to_length_prefixed(payload) : Bytes(payload.begin(), payload.end());
    encoded.pts = packet_->pts;
    encoded.dts = packet_->dts;
    encoded.keyframe = (packet_->flags & AV_PKT_FLAG_KEY) != 0;
    av_packet_unref(packet_.get());
    out.push_back(std::move(encoded));
  }
}

}  // namespace tidecast::transcode
