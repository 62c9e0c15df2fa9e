#pragma once
// Audio that cannot be passed through (not AAC, or AAC at an absurd bitrate):
// decoded once, resampled (libswresample) to planar float at 48 kHz or the
// source rate when AAC supports it, stereo at most, and encoded once to
// AAC-LC with libavcodec's native encoder. Output packets are raw AAC frames
// in sample-rate ticks, on the source's timeline.
#include <cstdint>
#include <span>
#include <vector>

#include "media/packet.hpp"
#include "transcode/av_util.hpp"

namespace tidecast::transcode {

class AudioTranscoder {
 public:
  // `input` describes the source stream (codec id, sample rate, layout,
  // extradata); `time_base` is its packets' time base.
  AudioTranscoder(const AVCodecParameters* input, AVRational time_base, int bitrate_kbps);

  const media::AudioTrackConfig& config() const { return config_; }

  // One demuxed packet; appends the AAC frames completed so far.
  void push(const AVPacket* packet, std::vector<media::Packet>& out);
  void flush(std::vector<media::Packet>& out);

 private:
  void decode_frames(std::vector<media::Packet>& out);
  void encode_from_fifo(bool final, std::vector<media::Packet>& out);
  void receive_packets(std::vector<media::Packet>& out);

  AVRational time_base_;
  CodecContextPtr decoder_;
  CodecContextPtr encoder_;
  SwrPtr swr_;
  AudioFifoPtr fifo_;
  FramePtr decoded_;
  FramePtr chunk_;
  AvPacketPtr packet_;
  media::AudioTrackConfig config_;
  bool have_start_ = false;
  std::int64_t start_ = 0;    // output ticks of the first decoded sample
  std::int64_t samples_ = 0;  // samples sent to the encoder
};

}  // namespace tidecast::transcode
