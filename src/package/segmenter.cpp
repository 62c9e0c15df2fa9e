#include "package/segmenter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "media/aac.hpp"
#include "package/ticks.hpp"
#include "package/track_setup.hpp"

namespace tidecast::package {
namespace {

constexpr std::int64_t kVideoTimescale = 90000;
constexpr std::uint32_t kVideoTrackId = 1;
constexpr std::uint32_t kAudioTrackId = 2;
constexpr std::size_t kMaxPreroll = 256;  // audio packets kept while waiting for the first keyframe
constexpr std::size_t kMaxStarts = 64;    // video segment starts kept
constexpr double kJumpForwardSeconds = 5.0;
constexpr double kJumpBackwardSeconds = 1.0;
constexpr double kAudioAnchorSeconds = 0.5;

}  // namespace

Segmenter::Segmenter(const media::StreamInfo& info, SegmenterOptions options) : options_(options) {
  if (!(options_.target_duration_seconds > 0.0) || options_.target_duration_seconds > 3600.0) {
    throw std::invalid_argument("segmenter: target duration must be in (0, 3600] seconds");
  }
  if (!(options_.max_duration_seconds > 0.0)) {
    options_.max_duration_seconds = std::max(10.0, 3.0 * options_.target_duration_seconds);
  }
  options_.max_duration_seconds = std::clamp(options_.max_duration_seconds, options_.target_duration_seconds, 3600.0);
  if (!info.video && !info.audio) throw std::invalid_argument("segmenter: the stream has no tracks");
  next_number_ = options_.first_number;

  if (info.video) {
    Track video;
    video.spec = make_track_spec(complete_video_config(*info.video), kVideoTrackId);
    video.init = write_init_segment(video.spec);
    video_ = std::move(video);
  }
  if (info.audio) {
    if (info.audio->codec != media::Codec::aac) throw std::invalid_argument("segmenter: unsupported audio codec");
    const media::AacConfig aac = media::parse_audio_specific_config(info.audio->decoder_config);
    media::AudioTrackConfig config = *info.audio;
    // The timescale is the core sampling rate, so one AAC frame is frame_length ticks.
    config.sample_rate = aac.sample_rate;
    if (aac.channels > 0) config.channels = aac.channels;
    config.codecs = media::aac_codecs_string(aac);
    audio_frame_length_ = aac.frame_length;
    Track audio;
    audio.spec = make_track_spec(config, kAudioTrackId);
    audio.init = write_init_segment(audio.spec);
    audio_ = std::move(audio);
  }
  for (Track* t : {track(media::TrackKind::video), track(media::TrackKind::audio)}) {
    if (t) t->base = t->end = seconds_to_ticks(options_.timeline_start_seconds, t->spec.timescale);
  }
  if (options_.part_seconds > 0.0) {
    if (options_.part_seconds < 0.05 || options_.part_seconds > options_.target_duration_seconds) {
      throw std::invalid_argument("segmenter: part duration must be in [0.05 s, target duration]");
    }
    part_cut_seconds_ = options_.part_cut_seconds;
    if (!(part_cut_seconds_ > 0.0)) {
      // One audio frame (and a millisecond of rounding) below the target, so
      // the audio parts that follow the video's boundaries stay within it.
      part_cut_seconds_ = options_.part_seconds;
      if (audio_) part_cut_seconds_ -= static_cast<double>(audio_frame_length_) / audio_->spec.timescale + 0.001;
    }
    part_cut_seconds_ = std::clamp(part_cut_seconds_, 0.01, options_.part_seconds);
    video_part_limit_ = seconds_to_ticks(part_cut_seconds_, kVideoTimescale);
    if (audio_) audio_part_limit_ = seconds_to_ticks(options_.part_seconds, audio_->spec.timescale);
  }
}

bool Segmenter::has_track(media::TrackKind kind) const {
  return kind == media::TrackKind::video ? video_.has_value() : audio_.has_value();
}

const TrackSpec& Segmenter::track_spec(media::TrackKind kind) const {
  const std::optional<Track>& t = kind == media::TrackKind::video ? video_ : audio_;
  if (!t)
    throw std::out_of_range(std::string("segmenter: the stream has no ") +
                            (kind == media::TrackKind::video ? "video" : "audio"));
  return t->spec;
}

const std::vector<std::uint8_t>& Segmenter::init_segment(media::TrackKind kind) const {
  track_spec(kind);  // throws when absent
  return kind == media::TrackKind::video ? video_->init : audio_->init;
}

Segmenter::Track* Segmenter::track(media::TrackKind kind) {
  std::optional<Track>& t = kind == media::TrackKind::video ? video_ : audio_;
  return t ? &*t : nullptr;
}

std::int64_t Segmenter::to_track(const Track& t, std::int64_t input) const {
  return t.base + rescale(input, input_timescale_, t.spec.timescale);
}

std::vector<SegmentOut> Segmenter::push(const media::Packet& packet) {
  return push(std::make_shared<const media::Packet>(packet));
}

std::vector<SegmentOut> Segmenter::push(const media::PacketPtr& shared) {
  std::vector<SegmentOut> out;
  ++stats_.packets;
  const media::Packet& packet = *shared;
  if (!track(packet.kind) || packet.timescale == 0 || packet.data.empty()) {
    ++stats_.dropped_no_track;
    return out;
  }
  if (input_timescale_ == 0) input_timescale_ = packet.timescale;
  if (started_) {
    push_started(shared, out);
    return out;
  }
  if (video_) {
    if (packet.kind == media::TrackKind::audio) {
      audio_preroll_.push_back(shared);
      if (audio_preroll_.size() > kMaxPreroll) {
        audio_preroll_.pop_front();
        ++stats_.dropped_before_keyframe;
      }
      return out;
    }
    if (!packet.keyframe) {
      ++stats_.dropped_before_keyframe;
      return out;
    }
  }
  start_period(rescale(packet.dts, packet.timescale, input_timescale_));
  push_started(shared, out);
  // Audio that arrived before the keyframe but belongs after it.
  std::deque<media::PacketPtr> preroll;
  preroll.swap(audio_preroll_);
  for (const media::PacketPtr& audio : preroll) push_started(audio, out);
  return out;
}

void Segmenter::start_period(std::int64_t origin) {
  started_ = true;
  origin_ = origin;
  shift_ = 0;
  for (Track* t : {track(media::TrackKind::video), track(media::TrackKind::audio)}) {
    if (!t) continue;
    t->last_input.reset();
    t->last_input_step = 0;
    t->last_time.reset();
  }
  if (audio_) {
    next_audio_boundary_ = audio_->base + seconds_to_ticks(options_.target_duration_seconds, audio_->spec.timescale);
  }
}

std::int64_t Segmenter::input_time(Track& t, std::int64_t dts) {
  std::int64_t input = dts + shift_ - origin_;
  if (t.last_input) {
    const std::int64_t delta = input - *t.last_input;
    if (delta > seconds_to_ticks(kJumpForwardSeconds, input_timescale_) ||
        delta < -seconds_to_ticks(kJumpBackwardSeconds, input_timescale_)) {
      // Publisher clock jump: continue one packet step after the previous packet of this track.
      std::int64_t step = t.last_input_step;
      if (step <= 0) {
        step = t.spec.video() ? rescale(3000, kVideoTimescale, input_timescale_)
                              : rescale(audio_frame_length_, t.spec.timescale, input_timescale_);
      }
      const std::int64_t adjust = *t.last_input + step - input;
      shift_ += adjust;
      input += adjust;
      ++stats_.timestamp_jumps;
    } else if (delta > 0) {
      t.last_input_step = delta;
    }
  }
  t.last_input = input;
  return input;
}

void Segmenter::push_started(const media::PacketPtr& shared, std::vector<SegmentOut>& out) {
  const media::Packet& packet = *shared;
  const std::int64_t dts = rescale(packet.dts, packet.timescale, input_timescale_);
  const std::int64_t pts = rescale(packet.pts, packet.timescale, input_timescale_);
  Track& t = *track(packet.kind);
  const std::int64_t input = input_time(t, dts);
  if (packet.kind == media::TrackKind::video) {
    push_video(input, input + (pts - dts), shared, out);
  } else {
    push_audio(input, shared, out);
  }
}

void Segmenter::push_video(std::int64_t input, std::int64_t pts_input, const media::PacketPtr& shared,
                           std::vector<SegmentOut>& out) {
  const media::Packet& packet = *shared;
  Track& v = *video_;
  std::int64_t time = to_track(v, input);
  if (v.last_time && time <= *v.last_time) {
    time = *v.last_time + 1;
    ++stats_.non_monotonic_dts;
  }
  const std::int64_t offset = to_track(v, pts_input) - time;
  const auto composition_offset = static_cast<std::int32_t>(std::clamp<std::int64_t>(
      offset, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));

  if (segment_open(v)) {
    const std::int64_t elapsed = time - segment_start(v);
    const std::int64_t half_frame = (time - *v.last_time) / 2;  // tolerance for millisecond rounding
    const bool at_target = packet.keyframe && (options_.cut_at_every_keyframe ||
                                               elapsed + half_frame >=
                                                   seconds_to_ticks(options_.target_duration_seconds, kVideoTimescale));
    const bool too_long = !at_target && elapsed >= seconds_to_ticks(options_.max_duration_seconds, kVideoTimescale);
    if (too_long) ++stats_.forced_cuts;
    if (at_target || too_long) close_video(time, out);
  }
  if (part_cut_seconds_ > 0.0 && !v.pending.empty()) cut_video_part(time);
  if (!segment_open(v)) {
    video_starts_.push_back(VideoSegmentStart{next_number_, static_cast<std::uint64_t>(std::max<std::int64_t>(0, time)),
                                              packet.pts, packet.dts, packet.timescale});
    if (video_starts_.size() > kMaxStarts) video_starts_.pop_front();
  }
  v.pending.push_back(PendingSample{time, composition_offset, packet.keyframe, shared});
  v.last_time = time;
  if (audio_) drain_audio(false, out);
}

void Segmenter::push_audio(std::int64_t input, const media::PacketPtr& packet, std::vector<SegmentOut>& out) {
  Track& a = *audio_;
  if (input < 0) {  // before the period's first keyframe
    ++stats_.dropped_before_keyframe;
    return;
  }
  const std::int64_t raw = to_track(a, input);
  std::int64_t time = raw;
  if (a.last_time) {
    const std::int64_t expected = *a.last_time + audio_frame_length_;
    const std::int64_t tolerance = seconds_to_ticks(kAudioAnchorSeconds, a.spec.timescale);
    if (raw > expected + tolerance) {
      ++stats_.audio_reanchors;  // a real gap: keep it
    } else if (raw < expected - tolerance) {
      ++stats_.dropped_audio;  // would overlap audio already on the timeline
      return;
    } else {
      time = expected;
    }
  }
  if (part_cut_seconds_ > 0.0 && !video_) cut_audio_only_part(time);
  a.pending.push_back(PendingSample{time, 0, true, packet});
  a.last_time = time;
  if (video_) {
    // Video stalled: do not buffer audio without bound while waiting for cuts.
    const std::int64_t limit = seconds_to_ticks(2 * options_.max_duration_seconds + 5.0, a.spec.timescale);
    while (a.pending.size() > 1 && a.pending.back().time - a.pending.front().time > limit) {
      a.pending.pop_front();
      ++stats_.dropped_audio;
    }
  }
  drain_audio(false, out);
}

void Segmenter::close_video(std::int64_t end, std::vector<SegmentOut>& out) {
  Track& v = *video_;
  emit(v, next_number_, v.pending.size(), end, true, out);
  if (audio_) push_cut(Cut{next_number_, end, true});
  ++next_number_;
}

void Segmenter::drain_audio(bool at_end, std::vector<SegmentOut>& out) {
  Track& a = *audio_;
  const auto first_at_or_after = [&](std::int64_t time) {
    return std::find_if(a.pending.begin(), a.pending.end(), [&](const PendingSample& s) { return s.time >= time; });
  };

  if (!video_) {  // audio only: cut every target duration on an exact grid
    const std::int64_t target =
        std::max<std::int64_t>(1, seconds_to_ticks(options_.target_duration_seconds, a.spec.timescale));
    while (!a.pending.empty()) {
      const std::int64_t front = a.pending.front().time;
      if (next_audio_boundary_ <= front) next_audio_boundary_ += ((front - next_audio_boundary_) / target + 1) * target;
      const auto it = first_at_or_after(next_audio_boundary_);
      if (it == a.pending.end()) {
        if (at_end) emit(a, next_number_++, a.pending.size(), a.pending.back().time + audio_frame_length_, true, out);
        return;
      }
      emit(a, next_number_++, static_cast<std::size_t>(it - a.pending.begin()), it->time, true, out);
    }
    if (at_end && !a.open_parts.empty()) emit(a, next_number_++, 0, a.end, true, out);
    return;
  }

  while (!a.pending.empty() && !cuts_.empty()) {
    const Cut cut = cuts_.front();
    const std::int64_t cut_time = a.base + rescale(cut.end - video_->base, kVideoTimescale, a.spec.timescale);
    if (a.pending.front().time >= cut_time) {                         // no audio in this span
      if (cut.segment_end) emit(a, cut.number, 0, a.end, true, out);  // its parts so far, if any
      cuts_.pop_front();
      continue;
    }
    const auto it = first_at_or_after(cut_time);
    if (it == a.pending.end()) {
      if (!at_end) return;  // the audio has not reached the cut yet
      emit(a, cut.number, a.pending.size(), a.pending.back().time + audio_frame_length_, cut.segment_end, out);
    } else {
      emit(a, cut.number, static_cast<std::size_t>(it - a.pending.begin()), it->time, cut.segment_end, out);
    }
    cuts_.pop_front();
  }
  if (at_end && !a.open_parts.empty() && !cuts_.empty()) {
    // The audio ran out inside the last segment: its parts so far are all of it.
    emit(a, cuts_.back().number, 0, a.end, true, out);
  }
  if (at_end && !a.pending.empty()) {  // audio past the end of the last video segment
    stats_.dropped_audio += a.pending.size();
    a.pending.clear();
  }
}

void Segmenter::end_period(std::vector<SegmentOut>& out) {
  if (!started_) {
    stats_.dropped_before_keyframe += audio_preroll_.size();
    audio_preroll_.clear();
    return;
  }
  if (video_ && segment_open(*video_) && video_->pending.empty()) {
    close_video(video_->end, out);  // its parts so far are all of it
  } else if (video_ && segment_open(*video_)) {
    Track& v = *video_;
    // The last frame lasts as long as the segment's average frame (millisecond
    // input alternates 33/34 ms at 30 fps), else the nominal frame rate.
    const double frame_rate = v.spec.video()->frame_rate;
    std::int64_t step = frame_rate > 0 ? static_cast<std::int64_t>(std::llround(kVideoTimescale / frame_rate)) : 3000;
    if (v.pending.size() >= 2) {
      step = (v.pending.back().time - v.pending.front().time) / static_cast<std::int64_t>(v.pending.size() - 1);
    }
    close_video(v.pending.back().time + std::max<std::int64_t>(1, step), out);
  }
  if (audio_) drain_audio(true, out);
  cuts_.clear();

  // The next period continues the timeline where the longer track ended.
  Track* longest = nullptr;
  for (Track* t : {track(media::TrackKind::video), track(media::TrackKind::audio)}) {
    if (!t) continue;
    if (!longest || static_cast<__int128>(t->end) * longest->spec.timescale >
                        static_cast<__int128>(longest->end) * t->spec.timescale) {
      longest = t;
    }
  }
  for (Track* t : {track(media::TrackKind::video), track(media::TrackKind::audio)}) {
    if (!t) continue;
    t->base = rescale_up(longest->end, longest->spec.timescale, t->spec.timescale);
    t->end = t->base;
    t->pending.clear();
    t->open_parts.clear();
  }
  started_ = false;
  shift_ = 0;
  video_starts_.clear();
}

std::vector<SegmentOut> Segmenter::flush() {
  std::vector<SegmentOut> out;
  end_period(out);
  return out;
}

std::vector<SegmentOut> Segmenter::discontinuity() {
  std::vector<SegmentOut> out;
  end_period(out);
  for (Track* t : {track(media::TrackKind::video), track(media::TrackKind::audio)}) {
    if (t) t->mark_discontinuity = true;
  }
  return out;
}

}  // namespace tidecast::package
