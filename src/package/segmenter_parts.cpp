// The segmenter's output side: whole segments, or (low latency) parts that
// add up to segments. See segmenter.hpp for the rules.
#include <algorithm>
#include <limits>

#include "package/segmenter.hpp"

namespace tidecast::package {

namespace {
// Video segments whose cuts may wait for the audio (audio lagging behind).
constexpr std::size_t kMaxCutSegments = 64;
}  // namespace

std::uint64_t SegmentOut::size() const {
  std::uint64_t total = bytes.size();
  for (const auto& part : parts) total += part->size();
  return total;
}

std::vector<PartOut> Segmenter::take_parts() {
  std::vector<PartOut> out;
  out.swap(parts_);
  return out;
}

std::vector<Sample> Segmenter::fragment_samples(const Track& t, std::size_t count, std::int64_t end) const {
  std::vector<Sample> samples;
  samples.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const PendingSample& sample = t.pending[i];
    const std::int64_t next = i + 1 < count ? t.pending[i + 1].time : end;
    const auto duration = static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(next - sample.time, 0, std::numeric_limits<std::uint32_t>::max()));
    samples.push_back(Sample{duration, sample.composition_offset, sample.sync, sample.packet->data});
  }
  return samples;
}

void Segmenter::emit(Track& t, std::uint32_t number, std::size_t count, std::int64_t end, bool segment_end,
                     std::vector<SegmentOut>& out) {
  if (part_cut_seconds_ > 0.0) {
    if (count > 0) emit_part(t, number, count, end);
    if (!segment_end || t.open_parts.empty()) return;
  } else if (count == 0) {
    return;
  }
  const std::int64_t first_time = part_cut_seconds_ > 0.0 ? t.segment_start : t.pending.front().time;
  SegmentOut segment;
  segment.kind = t.spec.kind();
  segment.number = number;
  segment.start = static_cast<std::uint64_t>(first_time);
  segment.timescale = t.spec.timescale;
  segment.start_seconds = static_cast<double>(segment.start) / t.spec.timescale;
  segment.discontinuity = t.mark_discontinuity;
  if (part_cut_seconds_ > 0.0) {
    end = t.end;
    segment.starts_with_keyframe = t.segment_keyframe;
    segment.sample_count = t.segment_samples;
    segment.parts = std::move(t.open_parts);
    t.open_parts.clear();
  } else {
    segment.starts_with_keyframe = t.pending.front().sync;
    segment.sample_count = static_cast<std::uint32_t>(count);
    const std::vector<Sample> samples = fragment_samples(t, count, end);
    segment.bytes = write_media_segment(t.spec, number, segment.start, samples);
    t.pending.erase(t.pending.begin(), t.pending.begin() + static_cast<std::ptrdiff_t>(count));
  }
  segment.duration = static_cast<std::uint64_t>(std::max<std::int64_t>(0, end - first_time));
  segment.duration_seconds = static_cast<double>(segment.duration) / t.spec.timescale;
  t.mark_discontinuity = false;
  t.end = end;
  ++stats_.segments;
  out.push_back(std::move(segment));
}

void Segmenter::emit_part(Track& t, std::uint32_t number, std::size_t count, std::int64_t end) {
  const PendingSample& first = t.pending.front();
  const bool opens_segment = t.open_parts.empty();
  if (opens_segment) {
    t.segment_start = first.time;
    t.segment_keyframe = first.sync;
    t.segment_samples = 0;
  }
  const std::vector<Sample> samples = fragment_samples(t, count, end);
  PartOut part;
  part.kind = t.spec.kind();
  part.number = number;
  part.index = static_cast<std::uint32_t>(t.open_parts.size());
  part.start = static_cast<std::uint64_t>(first.time);
  part.duration = static_cast<std::uint64_t>(std::max<std::int64_t>(0, end - first.time));
  part.timescale = t.spec.timescale;
  part.independent = first.sync;
  // The segment's first part opens it with the styp, so the run of parts is
  // exactly a segment as the normal mode writes it (one fragment per part).
  part.bytes = std::make_shared<const std::vector<std::uint8_t>>(
      write_media_segment(t.spec, ++t.fragments, part.start, samples, opens_segment));
  t.open_parts.push_back(part.bytes);
  t.segment_samples += static_cast<std::uint32_t>(count);
  t.end = end;
  t.pending.erase(t.pending.begin(), t.pending.begin() + static_cast<std::ptrdiff_t>(count));
  parts_.push_back(std::move(part));
}

void Segmenter::cut_video_part(std::int64_t time) {
  // `time` starts the next frame: the pending frames' durations are known now.
  Track& v = *video_;
  const std::int64_t elapsed = time - v.pending.front().time;
  const std::int64_t step = time - *v.last_time;
  std::size_t count = 0;
  std::int64_t end = time;
  if (elapsed <= video_part_limit_) {
    if (elapsed + step <= video_part_limit_) return;  // the next frame (as long as this one) still fits
    count = v.pending.size();
  } else if (v.pending.size() >= 2) {
    // The last frame was longer than foreseen: it opens the next part.
    count = v.pending.size() - 1;
    end = v.pending.back().time;
  } else {
    count = 1;  // one frame longer than a part: a part of its own
  }
  emit_part(v, next_number_, count, end);
  if (audio_) push_cut(Cut{next_number_, end, false});
}

void Segmenter::push_cut(Cut cut) {
  // The cap counts segments, not cuts: with parts a segment has several, and
  // a count of cuts let far less audio lag through in low-latency mode (and
  // dropped single part cuts, merging audio parts past the part target).
  // Beyond the cap the oldest segment leaves whole, its part cuts with it.
  cuts_.push_back(cut);
  auto segments =
      static_cast<std::size_t>(std::count_if(cuts_.begin(), cuts_.end(), [](const Cut& c) { return c.segment_end; }));
  while (segments > kMaxCutSegments) {
    if (cuts_.front().segment_end) --segments;
    cuts_.pop_front();
  }
}

void Segmenter::cut_audio_only_part(std::int64_t time) {
  Track& a = *audio_;
  if (a.pending.empty() || time >= next_audio_boundary_) return;  // the segment cut comes first
  if (time - a.pending.front().time + audio_frame_length_ <= audio_part_limit_) return;
  emit_part(a, next_number_, a.pending.size(), time);
}

}  // namespace tidecast::package
