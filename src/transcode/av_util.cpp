#include "transcode/av_util.hpp"

#include <fmt/format.h>

namespace tidecast::transcode {

void set_libav_log_level(core::LogLevel level) {
  av_log_set_level(level == core::LogLevel::debug ? AV_LOG_WARNING : AV_LOG_FATAL);
}

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(code, text, sizeof text) < 0) return fmt::format("error {}", code);
  return text;
}

int check(int code, std::string_view context) {
  if (code < 0) throw TranscodeError(fmt::format("transcode {}: {}", context, av_error_text(code)));
  return code;
}

FramePtr make_frame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw TranscodeError("transcode: out of memory (frame)");
  return frame;
}

AvPacketPtr make_packet() {
  AvPacketPtr packet(av_packet_alloc());
  if (!packet) throw TranscodeError("transcode: out of memory (packet)");
  return packet;
}

CodecContextPtr make_codec_context(const AVCodec* codec, std::string_view context) {
  if (!codec) throw TranscodeError(fmt::format("transcode {}: codec not available in this libavcodec", context));
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw TranscodeError(fmt::format("transcode {}: out of memory (codec context)", context));
  return ctx;
}

FramePtr ref_frame(const AVFrame* frame) {
  FramePtr copy(av_frame_clone(frame));
  if (!copy) throw TranscodeError("transcode: out of memory (frame reference)");
  return copy;
}

}  // namespace tidecast::transcode
