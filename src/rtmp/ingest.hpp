#pragma once
// Turns a publisher's FLV audio/video messages and onMetaData into media:
// a StreamInfo once every announced track has its decoder configuration,
// then immutable Packets with 64-bit timestamps (RTMP's 32-bit milliseconds
// unwrapped). Pure: no sockets, unit-testable.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/packet.hpp"
#include "rtmp/amf0.hpp"

namespace tidecast::rtmp {

struct IngestOutput {
  std::optional<media::StreamInfo> info;  // new or changed stream description, before `packets`
  std::vector<media::PacketPtr> packets;
  std::string error;   // set when the stream cannot be accepted (unsupported codec, bad config)
  std::string notice;  // something the session logs once (an unusable config ignored, then one found)
};

// RTMP timestamps are 32-bit milliseconds that wrap after ~49.7 days and may
// step back slightly; this keeps a 64-bit timeline.
class TimestampUnwrapper {
 public:
  std::int64_t unwrap(std::uint32_t timestamp);

 private:
  std::optional<std::int64_t> last_;
};

class IngestAssembler {
 public:
  void on_metadata(const AmfValue& metadata);
  IngestOutput on_video(std::uint32_t timestamp, std::span<const std::uint8_t> payload);
  IngestOutput on_audio(std::uint32_t timestamp, std::span<const std::uint8_t> payload);
  // The same, with the message's own buffer becoming the packet's data (its
  // FLV header shifted off in place): no allocation and no second copy.
  IngestOutput on_video(std::uint32_t timestamp, std::vector<std::uint8_t>&& payload);
  IngestOutput on_audio(std::uint32_t timestamp, std::vector<std::uint8_t>&& payload);

  std::uint64_t dropped_frames() const { return dropped_frames_; }

 private:
  IngestOutput video(std::uint32_t timestamp, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>* owned);
  IngestOutput audio(std::uint32_t timestamp, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>* owned);
  bool ready() const;
  media::StreamInfo current_info() const;
  void emit(IngestOutput& out, media::PacketPtr packet);
  // No usable video config yet after an unusable sequence header: try the
  // frame's in-band SPS/PPS; past the bound, an error.
  void await_video_config(IngestOutput& out, std::int64_t time_ms, bool keyframe, std::span<const std::uint8_t> body);

  std::optional<media::VideoTrackConfig> video_;
  std::optional<media::AudioTrackConfig> audio_;
  bool expect_video_ = false;
  bool expect_audio_ = false;
  double metadata_frame_rate_ = 0;
  bool info_sent_ = false;
  bool info_changed_ = false;
  std::vector<media::PacketPtr> pending_;  // frames that arrived before the info was complete
  TimestampUnwrapper video_time_;
  TimestampUnwrapper audio_time_;
  std::uint64_t dropped_frames_ = 0;
  // FFmpeg's tee muxer without global headers sends an empty avcC and then
  // Annex B frames with in-band SPS/PPS: the first unusable sequence header
  // is ignored (reason kept here) while a usable config is awaited.
  std::string unusable_config_;
  std::optional<std::int64_t> awaiting_since_ms_;
  std::size_t awaited_frames_ = 0;
  bool annexb_ = false;  // the config came from in-band parameter sets: frames are converted
};

}  // namespace tidecast::rtmp
