#pragma once
// RAII ownership for every libav* handle the transcoder uses, and libav error
// codes turned into exceptions that say what was being done:
//   "transcode decode h264: Invalid data found when processing input".
// Logic code never calls a libav free function itself.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/log.hpp"

namespace tidecast::transcode {

// libav* logs to stderr on its own, per macroblock for a broken stream. The
// transcoder reports failures itself (with libav's message), so libav is kept
// quiet: warnings at debug level, otherwise only fatal errors. Process-wide;
// call once from the composition root / CLI.
void set_libav_log_level(core::LogLevel level);

// A libav call failed, or the input cannot be transcoded. what() carries the
// context and libav's own message.
class TranscodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// libav's message for an AVERROR code.
std::string av_error_text(int code);

// Throws TranscodeError("transcode <context>: <libav message>") when code < 0;
// returns code otherwise.
int check(int code, std::string_view context);

struct CodecContextDeleter {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
struct SwrDeleter {
  void operator()(SwrContext* p) const { swr_free(&p); }
};
struct FormatInputDeleter {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct BsfDeleter {
  void operator()(AVBSFContext* p) const { av_bsf_free(&p); }
};
struct AudioFifoDeleter {
  void operator()(AVAudioFifo* p) const { av_audio_fifo_free(p); }
};

using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using AvPacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using FormatInputPtr = std::unique_ptr<AVFormatContext, FormatInputDeleter>;
using BsfPtr = std::unique_ptr<AVBSFContext, BsfDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;
// A decoded frame several encoders read, freed when the last lets go; made
// from a FramePtr (`SharedFrame(std::move(frame))`), which keeps its deleter.
using SharedFrame = std::shared_ptr<const AVFrame>;

// Allocating constructors that throw instead of returning null.
FramePtr make_frame();
AvPacketPtr make_packet();
CodecContextPtr make_codec_context(const AVCodec* codec, std::string_view context);
// A new reference to `frame` (shares its buffers).
FramePtr ref_frame(const AVFrame* frame);

}  // namespace tidecast::transcode
