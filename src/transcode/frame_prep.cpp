#include "transcode/frame_prep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/display.h>
}

namespace tidecast::transcode {

int upright_rotation(double counter_clockwise_degrees) {
  if (!std::isfinite(counter_clockwise_degrees)) return 0;
  const long quarter = std::lround(-counter_clockwise_degrees / 90.0);
  return static_cast<int>(((quarter % 4) + 4) % 4) * 90;
}

int stream_rotation(const AVStream* stream) {
  std::size_t size = 0;
  const std::uint8_t* matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (!matrix || size < 9 * sizeof(std::int32_t)) return 0;
  return upright_rotation(av_display_rotation_get(reinterpret_cast<const std::int32_t*>(matrix)));
}

AVRational constant_frame_rate(AVRational average, AVRational nominal) {
  auto usable = [](AVRational r) {
    if (r.num <= 0 || r.den <= 0) return false;
    const double fps = av_q2d(r);
    return fps >= 1.0 && fps <= 1000.0;
  };
  AVRational rate = usable(average) ? average : usable(nominal) ? nominal : AVRational{30, 1};
  if (av_q2d(rate) > 60.0) rate = AVRational{60, 1};
  static constexpr AVRational kStandard[] = {{24000, 1001}, {24, 1}, {25, 1},       {30000, 1001}, {30, 1},
                                             {48, 1},       {50, 1}, {60000, 1001}, {60, 1}};
  const double fps = av_q2d(rate);
  const AVRational* nearest = nullptr;
  for (const AVRational& standard : kStandard) {
    if (!nearest || std::abs(fps - av_q2d(standard)) < std::abs(fps - av_q2d(*nearest))) nearest = &standard;
  }
  if (std::abs(fps - av_q2d(*nearest)) <= av_q2d(*nearest) * 0.01) return *nearest;
  // Measured averages of short clips are a little off: 20.22 -> 20.
  const double whole = std::round(fps);
  if (whole >= 1 && std::abs(fps - whole) <= whole * 0.02) return AVRational{static_cast<int>(whole), 1};
  av_reduce(&rate.num, &rate.den, rate.num, rate.den, 1 << 20);
  return rate;
}

std::int64_t CfrMapper::slot_pts(std::int64_t slot) const {
  // origin + slot * timescale / rate, rounded to the nearest tick.
  return origin_ +
         av_rescale_rnd(slot, static_cast<std::int64_t>(timescale_) * rate_.den, rate_.num, AV_ROUND_NEAR_INF);
}

CfrMapper::Step CfrMapper::push(std::int64_t pts) {
  Step step;
  if (!started_) {
    started_ = true;
    origin_ = pts;
    next_ = 1;
    step.take = true;
    step.slot = 0;
    return step;
  }
  const std::int64_t raw =
      av_rescale_rnd(pts - origin_, rate_.num, static_cast<std::int64_t>(timescale_) * rate_.den, AV_ROUND_NEAR_INF);
  const std::int64_t slot = raw + shift_;
  const std::int64_t max_gap = std::max<std::int64_t>(1, 5 * rate_.num / rate_.den);
  if (pts < origin_ || slot < next_ - max_gap) {
    // Far back (a timestamp jump): continue right after the previous frame.
    ++jumps_;
    shift_ += next_ - slot;
    step.take = true;
    step.slot = next_++;
    return step;
  }
  if (slot < next_) {
    ++dropped_;
    return step;
  }
  if (slot - next_ > max_gap) {
    ++jumps_;
    shift_ -= slot - next_;
    step.take = true;
    step.slot = next_++;
    return step;
  }
  step.repeats = slot - next_;
  repeated_ += static_cast<std::uint64_t>(step.repeats);
  // |pts - slot time| > 1/4 frame, in ticks x rate.num to stay exact.
  const std::int64_t off = std::abs((pts - slot_pts(raw)) * 4 * rate_.num);
  if (off > static_cast<std::int64_t>(timescale_) * rate_.den) ++retimed_;
  step.take = true;
  step.slot = slot;
  next_ = slot + 1;
  return step;
}

std::vector<RungPlan> plan_upload_ladder(const LadderConfig& config, int width, int height, std::size_t cpu_threads,
                                         int sar_num, int sar_den) {
  if (width <= 0 || height <= 0) return {};
  if (sar_num <= 0 || sar_den <= 0) sar_num = sar_den = 1;
  const bool portrait = static_cast<double>(height) > static_cast<double>(width) * sar_num / sar_den;
  std::vector<RungPlan> plans;
  if (portrait) {
    // Plan the transposed picture (short side as height), then turn each rung upright.
    plans = plan_ladder(config, height, width, cpu_threads, sar_den, sar_num);
    for (auto& plan : plans) std::swap(plan.width, plan.height);
  } else {
    plans = plan_ladder(config, width, height, cpu_threads, sar_num, sar_den);
  }
  if (!plans.empty() || config.rungs.empty()) return plans;
  // Nothing fits (a source smaller than the smallest rung): one rung at the source's size.
  std::size_t smallest = 0;
  for (std::size_t i = 1; i < config.rungs.size(); ++i) {
    if (config.rungs[i].height < config.rungs[smallest].height) smallest = i;
  }
  LadderConfig one = config;
  one.enabled = true;
  one.source_height_rung = true;  // this rung is the source's size by design
  one.rungs = {config.rungs[smallest]};
  const int short_side = portrait ? width : height;
  one.rungs[0].height = std::max(2, short_side & ~1);
  return plan_upload_ladder(one, width, height, cpu_threads, sar_num, sar_den);
}

PictureFilter::PictureFilter(std::string chain, std::string purpose, int threads)
    : chain_(std::move(chain)), what_(std::move(purpose)), threads_(threads) {}

void PictureFilter::configure(const AVFrame& frame, std::uint32_t timescale) {
  graph_.reset(avfilter_graph_alloc());
  if (!graph_) throw TranscodeError("transcode " + what_ + ": out of memory");
  graph_->nb_threads = threads_;
  const AVRational sar = frame.sample_aspect_ratio.num > 0 ? frame.sample_aspect_ratio : AVRational{1, 1};
  const std::string args = fmt::format("video_size={}x{}:pix_fmt={}:time_base=1/{}:pixel_aspect={}/{}", frame.width,
                                       frame.height, frame.format, timescale, sar.num, sar.den);
  const std::string& what = what_;
  check(
      avfilter_graph_create_filter(&source_, avfilter_get_by_name("buffer"), "in", args.c_str(), nullptr, graph_.get()),
      what + ": buffer source");
  check(avfilter_graph_create_filter(&sink_, avfilter_get_by_name("buffersink"), "out", nullptr, nullptr, graph_.get()),
        what + ": buffer sink");
  AVFilterInOut* outputs = avfilter_inout_alloc();
  AVFilterInOut* inputs = avfilter_inout_alloc();
  if (!outputs || !inputs) {
    avfilter_inout_free(&outputs);
    avfilter_inout_free(&inputs);
    throw TranscodeError("transcode " + what + ": out of memory");
  }
  outputs->name = av_strdup("in");
  outputs->filter_ctx = source_;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink_;
  const int parsed = avfilter_graph_parse_ptr(graph_.get(), chain_.c_str(), &inputs, &outputs, nullptr);
  avfilter_inout_free(&outputs);
  avfilter_inout_free(&inputs);
  check(parsed, what + ": filter graph");
  check(avfilter_graph_config(graph_.get(), nullptr), what + ": filter graph");
  width_ = frame.width;
  height_ = frame.height;
  format_ = frame.format;
}

FramePtr PictureFilter::apply(FramePtr frame, std::uint32_t timescale) {
  if (!active()) return frame;
  return filter(*frame, timescale);
}

FramePtr PictureFilter::filter(const AVFrame& frame, std::uint32_t timescale) {
  if (!graph_ || frame.width != width_ || frame.height != height_ || frame.format != format_) {
    configure(frame, timescale);
  }
  const std::string& what = what_;
  // KEEP_REF: the source only takes a new reference; `frame` is not modified.
  check(av_buffersrc_add_frame_flags(source_, const_cast<AVFrame*>(&frame), AV_BUFFERSRC_FLAG_KEEP_REF),
        what + ": push frame");
  FramePtr out = make_frame();
  check(av_buffersink_get_frame(sink_, out.get()), what + ": pull frame");
  out->pts = frame.pts;
  out->key_frame = frame.key_frame;
  return out;
}

std::string rotation_filter(int clockwise_degrees) {
  switch (clockwise_degrees) {
    case 90:
      return "transpose=clock";
    case 180:
      return "hflip,vflip";
    case 270:
      return "transpose=cclock";
    default:
      return "";
  }
}

bool is_hdr(const AVFrame& frame) {
  return frame.color_trc == AVCOL_TRC_SMPTE2084 || frame.color_trc == AVCOL_TRC_ARIB_STD_B67;
}

std::string tonemap_filter() {
  // npl=100: SDR reference white at 100 nits; the tonemap peak comes from the
  // frame's mastering metadata when present (else the transfer's default).
  return "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,"
         "zscale=t=bt709:m=bt709:r=tv,format=yuv420p";
}

void assume_hdr_defaults(AVFrame& frame) {
  if (frame.color_primaries == AVCOL_PRI_UNSPECIFIED) frame.color_primaries = AVCOL_PRI_BT2020;
  if (frame.colorspace == AVCOL_SPC_UNSPECIFIED) frame.colorspace = AVCOL_SPC_BT2020_NCL;
  if (frame.color_range == AVCOL_RANGE_UNSPECIFIED) frame.color_range = AVCOL_RANGE_MPEG;
}

bool retag_hdr_as_sdr(AVFrame& frame) {
  if (frame.color_trc != AVCOL_TRC_SMPTE2084 && frame.color_trc != AVCOL_TRC_ARIB_STD_B67) return false;
  // The samples keep their primaries and matrix (no conversion); only the transfer is no longer HDR.
  frame.color_trc = AVCOL_TRC_BT709;
  return true;
}

}  // namespace tidecast::transcode
