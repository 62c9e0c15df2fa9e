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
    case FlvCodec::h264:
      return media::avc_video_config(record);
    case FlvCodec::hevc:
      return media::hevc_video_config(record);
    case FlvCodec::av1:
      return media::av1_video_config(record);
    default:
      throw std::invalid_argument("not a video codec");
  }
}

// Bound on waiting for a usable video config after an unusable sequence
// header: media time (ms) and frames.
constexpr std::int64_t kConfigWaitMs = 5000;
constexpr std::size_t kConfigWaitFrames = 300;

bool is_annexb(std::span<const std::uint8_t> data) {
  return (data.size() >= 3 && data[0] == 0 && data[1] == 0 && data[2] == 1) ||
         (data.size() >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 1);
}

// NAL units of an Annex B access unit (start codes 00 00 01 / 00 00 00 01).
std::vector<std::span<const std::uint8_t>> annexb_nal_units(std::span<const std::uint8_t> data) {
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t start = std::string::npos;
  std::size_t i = 0;
  const auto close = [&](std::size_t end) {
    while (end > start && data[end - 1] == 0) --end;  // trailing zeros belong to the next start code
    if (end > start) out.push_back(data.subspan(start, end - start));
  };
  while (i + 3 <= data.size()) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      if (start != std::string::npos) close(i);
      i += 3;
      start = i;
    } else {
      ++i;
    }
  }
  if (start != std::string::npos) close(data.size());
  return out;
}

// An avcC from an SPS and a PPS (ISO/IEC 14496-15 5.3.3.1; 4-byte lengths).
std::vector<std::uint8_t> avcc_from(std::span<const std::uint8_t> sps, std::span<const std::uint8_t> pps) {
  std::vector<std::uint8_t> out = {1, sps[1], sps[2], sps[3], 0xff, 0xe1};
  const auto append = [&](std::span<const std::uint8_t> nal) {
    out.push_back(static_cast<std::uint8_t>(nal.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(nal.size()));
    out.insert(out.end(), nal.begin(), nal.end());
  };
  append(sps);
  out.push_back(1);
  append(pps);
  return out;
}

// The tag body as a packet's data: `owned` (the payload `body` lies in)
// trimmed to it in place, or a copy when the payload is borrowed.
std::vector<std::uint8_t> body_bytes(std::span<const std::uint8_t> body, std::vector<std::uint8_t>* owned) {
  if (!owned) return {body.begin(), body.end()};
  const auto offset = static_cast<std::ptrdiff_t>(body.data() - owned->data());
  owned->erase(owned->begin() + offset + static_cast<std::ptrdiff_t>(body.size()), owned->end());
  owned->erase(owned->begin(), owned->begin() + offset);
  return std::move(*owned);
}

std::vector<std::uint8_t> length_prefixed(const std::vector<std::span<const std::uint8_t>>& nal_units) {
  std::vector<std::uint8_t> out;
  for (const auto nal : nal_units) {
    const auto size = static_cast<std::uint32_t>(nal.size());
    out.insert(out.end(), {static_cast<std::uint8_t>(size >> 24), static_cast<std::uint8_t>(size >> 16),
                           static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
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
  return video(timestamp, payload, nullptr);
}

IngestOutput IngestAssembler::on_video(std::uint32_t timestamp, std::vector<std::uint8_t>&& payload) {
  return video(timestamp, payload, &payload);
}

IngestOutput IngestAssembler::on_audio(std::uint32_t timestamp, std::span<const std::uint8_t> payload) {
  return audio(timestamp, payload, nullptr);
}

IngestOutput IngestAssembler::on_audio(std::uint32_t timestamp, std::vector<std::uint8_t>&& payload) {
  return audio(timestamp, payload, &payload);
}

IngestOutput IngestAssembler::video(std::uint32_t timestamp, std::span<const std::uint8_t> payload,
                                    std::vector<std::uint8_t>* owned) {
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
      if (video_) {
        out.error = fmt::format("invalid {} configuration: {}", codec_name(tag.codec), e.what());
        return out;
      }
      // No config yet: some encoders send a placeholder first (see ingest.hpp).
      if (unusable_config_.empty()) {
        unusable_config_ = e.what();
        out.notice = fmt::format("ignoring an unusable {} sequence header ({}); waiting up to {} s for a usable one",
                                 codec_name(tag.codec), unusable_config_, kConfigWaitMs / 1000);
      }
      return out;
    }
    annexb_ = false;
    if (!unusable_config_.empty() && !info_sent_) {
      out.notice = fmt::format("usable {} sequence header received after an unusable one", codec_name(tag.codec));
    }
    if (info_sent_) info_changed_ = true;
    return out;
  }
  const std::int64_t time_ms = video_time_.unwrap(timestamp);
  if (!video_ && !unusable_config_.empty()) {
    await_video_config(out, time_ms, tag.keyframe && tag.codec == FlvCodec::h264, tag.body);
  }
  if (!video_) {
    ++dropped_frames_;  // frames before the sequence header cannot be decoded
    return out;
  }
  auto packet = std::make_shared<media::Packet>();
  packet->kind = media::TrackKind::video;
  packet->dts = time_ms;
  packet->pts = packet->dts + tag.composition_time_ms;
  packet->timescale = 1000;
  packet->keyframe = tag.keyframe;
  if (annexb_ && is_annexb(tag.body)) {
    packet->data = length_prefixed(annexb_nal_units(tag.body));
  } else {
    packet->data = body_bytes(tag.body, owned);
  }
  emit(out, std::move(packet));
  return out;
}

void IngestAssembler::await_video_config(IngestOutput& out, std::int64_t time_ms, bool h264_keyframe,
                                         std::span<const std::uint8_t> body) {
  if (h264_keyframe && is_annexb(body)) {
    std::span<const std::uint8_t> sps;
    std::span<const std::uint8_t> pps;
    for (const auto nal : annexb_nal_units(body)) {
      const int type = nal[0] & 0x1f;
      if (type == 7 && sps.empty() && nal.size() >= 4) sps = nal;
      if (type == 8 && pps.empty()) pps = nal;
    }
    if (!sps.empty() && !pps.empty()) {
      try {
        video_ = media::avc_video_config(avcc_from(sps, pps));
        annexb_ = true;
        out.notice = "h264 configuration taken from the first keyframe's in-band SPS/PPS";
        return;
      } catch (const std::exception&) {
        // Not usable either: keep waiting within the bound.
      }
    }
  }
  if (!awaiting_since_ms_) awaiting_since_ms_ = time_ms;
  if (++awaited_frames_ > kConfigWaitFrames || time_ms - *awaiting_since_ms_ > kConfigWaitMs) {
    out.error = fmt::format("no usable video configuration within {} s (the sequence header was unusable: {})",
                            kConfigWaitMs / 1000, unusable_config_);
  }
}

IngestOutput IngestAssembler::audio(std::uint32_t timestamp, std::span<const std::uint8_t> payload,
                                    std::vector<std::uint8_t>* owned) {
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
  packet->data = body_bytes(tag.body, owned);
  emit(out, std::move(packet));
  return out;
}

}  // namespace tidecast::rtmp
