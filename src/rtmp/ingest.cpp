#include "rtmp/ingest.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "media/aac.hpp"
#include "media/av1.hpp"
#include "media/avc.hpp"
#include "media/hevc.hpp"
#include "rtmp/flv.hpp"

namespace tidecast::rtmp {

namespace {

// Frames held while waiting for a missing decoder configuration; past this
// the stream starts with the tracks it has.
constexpr std::size_t kMaxPending = 300;

bool same_config(const std::vector<std::uint8_t>& a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

media::VideoTrackConfig video_config(FlvCodec codec, std::span<const std::uint8_t> record) {
  switch (codec) {
    case FlvCodec::h264: return media::avc_video_config(record);
    case FlvCodec::hevc: return media::hevc_video_config(record);
    case FlvCodec::av1: return media::av1_video_config(record);
    default: throw std::invalid_argument("not a video codec");
  }
}

}  // namespace

std::int64_t TimestampUnwrapper::unwrap(std::uint32_t timestamp) {
  if (!last_) {
    last_ = timestamp;
    return *last_;
  }
  // Signed 32-bit difference: forward across a wrap, or a small step back.
  const auto delta = static_cast<std::int32_t>(timestamp - static_cast<std::uint32_t>(*last_));
  *last_ += delta;
  return *last_;
}

void IngestAssembler::on_metadata(const AmfValue& metadata) {
  if (const AmfValue* v = metadata.get("videocodecid"); v && !v->is_nullish()) expect_video_ = true;
  if (const AmfValue* a = metadata.get("audiocodecid"); a && !a->is_nullish()) expect_audio_ = true;
  metadata_frame_rate_ = metadata.number_or("framerate", metadata.number_or("fps", 0));
}

bool IngestAssembler::ready() const {
  if (!video_ && !audio_) return false;
  return (video_ || !expect_video_) && (audio_ || !expect_audio_);
}

media::StreamInfo IngestAssembler::current_info() const {
  media::StreamInfo info;
  info.video = video_;
  if (info.video && info.video->frame_rate <= 0) info.video->frame_rate = metadata_frame_rate_;
  info.audio = audio_;
  return info;
}

void IngestAssembler::emit(IngestOutput& out, media::PacketPtr packet) {
  if (!info_sent_ && !ready() && pending_.size() < kMaxPending) {
    pending_.push_back(std::move(packet));
    return;
  }
  if (!info_sent_ || info_changed_) {
    out.info = current_info();
    info_sent_ = true;
    info_changed_ = false;
    for (auto& held : pending_) {
      // Frames of a track that never got a configuration cannot be decoded.
      const bool has_track = held->kind == media::TrackKind::video ? video_.has_value() : audio_.has_value();
      if (has_track) {
        out.packets.push_back(std::move(held));
      } else {
        ++dropped_frames_;
      }
    }
    pending_.clear();
  }
  out.packets.push_back(std::move(packet));
}

IngestOutput IngestAssembler::on_video(std::uint32_t timestamp, std::span<const std::uint8_t> payload) {
  IngestOutput out;
  const VideoTag tag = parse_video_tag(payload);
  if (tag.kind == TagKind::ignored || tag.kind == TagKind::end_of_sequence) return out;
  if (tag.codec == FlvCodec::unsupported || tag.codec == FlvCodec::aac) {
    out.error = fmt::format("video codec {} is not supported (send H.264, or HEVC/AV1 over enhanced RTMP)",
                            video_codec_label(tag));
    return out;
  }
  if (tag.kind == TagKind::sequence_header) {
    if (video_ && same_config(video_->decoder_config, tag.body)) return out;
    try {
      video_ = video_config(tag.codec, tag.body);
    } catch (const std::exception& e) {
      out.error = fmt::format("invalid {} configuration: {}", codec_name(tag.codec), e.what());
      return out;
    }
    if (info_sent_) info_changed_ = true;
    return out;
  }
  if (!video_) {
    ++dropped_frames_;  // frames before the sequence header cannot be decoded
    return out;
  }
  auto packet = std::make_shared<media::Packet>();
  packet->kind = media::TrackKind::video;
  packet->dts = video_time_.unwrap(timestamp);
  packet->pts = packet->dts + tag.composition_time_ms;
  packet->timescale = 1000;
  packet->keyframe = tag.keyframe;
  packet->data.assign(tag.body.begin(), tag.body.end());
  emit(out, std::move(packet));
  return out;
}

IngestOutput IngestAssembler::on_audio(std::uint32_t timestamp, std::span<const std::uint8_t> payload) {
  IngestOutput out;
  const AudioTag tag = parse_audio_tag(payload);
  if (tag.kind == TagKind::ignored || tag.kind == TagKind::end_of_sequence) return out;
  if (tag.codec != FlvCodec::aac) {
    out.error = fmt::format("audio codec {} is not supported (send AAC)", audio_codec_label(tag));
    return out;
  }
  if (tag.kind == TagKind::sequence_header) {
    if (audio_ && same_config(audio_->decoder_config, tag.body)) return out;
    try {
      audio_ = media::aac_audio_config(tag.body);
    } catch (const std::exception& e) {
      out.error = fmt::format("invalid AAC configuration: {}", e.what());
      return out;
    }
    if (info_sent_) info_changed_ = true;
    return out;
  }
  if (!audio_) {
    ++dropped_frames_;
    return out;
  }
  auto packet = std::make_shared<media::Packet>();
  packet->kind = media::TrackKind::audio;
  packet->dts = packet->pts = audio_time_.unwrap(timestamp);
  packet->timescale = 1000;
  packet->keyframe = true;
  packet->data.assign(tag.body.begin(), tag.body.end());
  emit(out, std::move(packet));
  return out;
}

}  // namespace tidecast::rtmp
