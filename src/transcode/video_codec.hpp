#pragma once
// One video decoder and one rung encoder (scaler + libx264 through
// libavcodec), the building blocks of LadderTranscoder. Neither is
// thread-safe: each is used by one stage at a time.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "media/packet.hpp"
#include "transcode/annexb.hpp"
#include "transcode/av_util.hpp"
#include "transcode/ladder.hpp"

namespace tidecast::transcode {

// What the decoder needs: the codec, its out-of-band config (avcC, hvcC, av1C
// or whatever the demuxer gave) and the timescale packet timestamps use.
struct VideoSourceSpec {
  AVCodecID codec = AV_CODEC_ID_NONE;
  Bytes extradata;
  int width = 0;
  int height = 0;
  int sar_num = 1;
  int sar_den = 1;
  double frame_rate = 0;  // 0 = unknown
  std::uint32_t timescale = 1000;
};

// From a hub StreamInfo video track (h264, hevc or av1).
VideoSourceSpec video_source_spec(const media::VideoTrackConfig& video, std::uint32_t timescale);

class VideoDecoder {
 public:
  // threads: libavcodec frame threads (1 = decode on the calling thread only).
  // preview: a picture only to be shrunk (thumbnails): the loop filter is
  // skipped, about a fifth of an H.264 decode, invisible once downscaled.
  VideoDecoder(const VideoSourceSpec& spec, int threads, bool preview = false);

  // Decodes one access unit (timestamps in the spec's timescale); appends the
  // frames it completes, in presentation order. Throws TranscodeError for
  // data the decoder rejects; the decoder stays usable (call reset() and
  // resume at a keyframe).
  void decode(std::span<const std::uint8_t> data, std::int64_t pts, std::int64_t dts, bool keyframe,
              std::vector<FramePtr>& out);
  // End of stream: the frames still held for reordering.
  void flush(std::vector<FramePtr>& out);
  // Drops everything buffered (after a decode error, before a keyframe).
  void reset();
  const char* codec_name() const { return ctx_->codec->name; }

 private:
  void receive(std::vector<FramePtr>& out);

  CodecContextPtr ctx_;
  AvPacketPtr packet_;
};

// A packet out of a rung encoder: length-prefixed NAL units, timestamps in the
// encoder's time base (the source timescale).
struct EncodedPacket {
  Bytes data;
  std::int64_t pts = 0;
  std::int64_t dts = 0;
  bool keyframe = false;
};

// Scales source frames to the rung size (yuv420p) and encodes them with x264:
// ABR at the rung's bitrate with VBV maxrate/bufsize, no scene-cut keyframes,
// no periodic keyframes (keyframes only where encode() is told to force an
// IDR), no B-frames, Annex B output converted to length-prefixed units.
class RungEncoder {
 public:
  RungEncoder(const RungPlan& plan, std::uint32_t timescale, double frame_rate);

  // The avcC of the stream (from x264's global header).
  const Bytes& avcc() const { return avcc_; }
  int width() const { return ctx_->width; }
  int height() const { return ctx_->height; }

  // `source` is a decoded frame of any size/format; its pts is replaced by
  // `pts` (encoder time base). Appends the packets x264 completes.
  void encode(const AVFrame* source, std::int64_t pts, bool force_idr, std::vector<EncodedPacket>& out);
  void flush(std::vector<EncodedPacket>& out);

 private:
  void receive(std::vector<EncodedPacket>& out);

  CodecContextPtr ctx_;
  SwsPtr sws_;
  FramePtr scaled_;
  AvPacketPtr packet_;
  Bytes avcc_;
  int src_width_ = 0;
  int src_height_ = 0;
  int src_format_ = -1;
};

}  // namespace tidecast::transcode
