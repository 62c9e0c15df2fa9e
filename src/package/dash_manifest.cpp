#include "package/dash_manifest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "package/dash_low_latency.hpp"

namespace tidecast::package {

namespace {

using media::TrackKind;

// A DASH Period's share of the segments: those of one file period (init and
// file names) with numbers in [first_number, end_number). A file period is
// one span unless a recording has holes (segments that never reached the
// disk): $Number$ addressing cannot skip a number, so the Period is split
// there and each part starts at its own number.
struct Span {
  std::uint32_t period = 0;
  std::uint32_t first_number = 0;
  std::uint32_t end_number = 0;
  double start_seconds = 0;
  std::string id;
  bool contains(const SegmentEntry& segment) const {
    return segment.period == period && segment.number >= first_number && segment.number < end_number;
  }
};

std::vector<Span> spans_of(const Presentation& p) {
  std::vector<Span> spans;
  for (const Period& period : p.periods) {
    // Numbers missing from any track split the period; all tracks share the numbering.
    std::vector<std::uint32_t> numbers;  // present in the first track with segments here
    std::vector<std::uint32_t> holes;
    const TrackDescription* reference = nullptr;
    for (const auto& track : p.tracks) {
      for (const auto& segment : track.segments) {
        if (segment.period != period.index) continue;
        if (segment.missing) holes.push_back(segment.number);
        if (!reference) reference = &track;
        if (reference == &track) numbers.push_back(segment.number);
      }
    }
    if (holes.empty() || numbers.empty()) {
      spans.push_back({period.index, 0, UINT32_MAX, period.start_seconds, std::to_string(period.index)});
      continue;
    }
    std::sort(holes.begin(), holes.end());
    std::optional<std::uint32_t> open;  // first number of the span being built
    auto close_span = [&](std::uint32_t end) {
      if (!open) return;
      double start = period.start_seconds;
      if (!spans.empty() && spans.back().period == period.index) {
        for (const auto& segment : reference->segments) {
          if (segment.period == period.index && segment.number == *open) {
            start = static_cast<double>(segment.start) / reference->timescale;
          }
        }
      }
      const bool first_part = spans.empty() || spans.back().period != period.index;
      spans.push_back({period.index, *open, end, start,
                       first_part ? std::to_string(period.index) : fmt::format("{}.{}", period.index, *open)});
      open.reset();
    };
    for (const std::uint32_t number : numbers) {
      if (std::binary_search(holes.begin(), holes.end(), number)) {
        close_span(number);
      } else if (!open) {
        open = number;
      }
    }
    close_span(UINT32_MAX);
  }
  return spans;
}

// Runs of equal durations collapse into <S d r>; t is written at the start
// and wherever the timeline is not contiguous.
std::string segment_timeline(const TrackDescription& track, const Span& span) {
  std::string out = "<SegmentTimeline>";
  std::uint64_t expected_start = 0;
  bool first = true;
  const SegmentEntry* run = nullptr;
  std::uint64_t run_start = 0;
  unsigned repeats = 0;
  auto flush = [&] {
    if (!run) return;
    out += fmt::format("<S t=\"{}\" d=\"{}\"", run_start, run->duration);
    if (repeats > 0) out += fmt::format(" r=\"{}\"", repeats);
    out += "/>";
  };
  for (const auto& segment : track.segments) {
    if (!span.contains(segment)) continue;
    const bool contiguous = !first && segment.start == expected_start;
    if (run && contiguous && segment.duration == run->duration) {
      ++repeats;
    } else {
      flush();
      run = &segment;
      run_start = segment.start;
      repeats = 0;
    }
    expected_start = segment.start + segment.duration;
    first = false;
  }
  flush();
  out += "</SegmentTimeline>";
  return out;
}

std::uint32_t first_index_in(const TrackDescription& track, const Span& span) {
  for (const auto& segment : track.segments) {
    if (span.contains(segment)) return segment.index;
  }
  return 0;
}

bool has_segments_in(const TrackDescription& track, const Span& span) {
  for (const auto& segment : track.segments) {
    if (span.contains(segment)) return true;
  }
  return false;
}

void append_adaptation_set(std::string& out, const Presentation& p, TrackKind kind, const Span& span, unsigned id,
                           bool time_addressing) {
  const TrackDescription* timeline_track = nullptr;
  for (const auto& track : p.tracks) {
    if (track.kind == kind && has_segments_in(track, span)) {
      timeline_track = &track;
      break;
    }
  }
  if (!timeline_track) return;
  const bool video = kind == TrackKind::video;
  out += fmt::format(
      "    <AdaptationSet id=\"{}\" contentType=\"{}\" mimeType=\"{}\" segmentAlignment=\"true\" "
      "startWithSAP=\"1\"{}>\n",
      id, video ? "video" : "audio", video ? "video/mp4" : "audio/mp4", video ? "" : " lang=\"und\"");
  const std::string media = time_addressing
                                ? fmt::format("media=\"$RepresentationID$/{}-t$Time$.m4s\"", span.period)
                                : fmt::format("media=\"$RepresentationID$/{}-$Number$.m4s\" startNumber=\"{}\"",
                                              span.period, first_index_in(*timeline_track, span));
  out += fmt::format(
      "      <SegmentTemplate timescale=\"{}\" initialization=\"$RepresentationID$/init-{}.mp4\" {} "
      "presentationTimeOffset=\"{}\"{}>{}</SegmentTemplate>\n",
      timeline_track->timescale, span.period, media, std::llround(span.start_seconds * timeline_track->timescale),
      dash_availability_attributes(p), segment_timeline(*timeline_track, span));
  for (const auto& track : p.tracks) {
    if (track.kind != kind) continue;
    out += fmt::format("      <Representation id=\"{}\" codecs=\"{}\" bandwidth=\"{}\"", track.id, track.codecs,
                       std::max<std::uint64_t>(track.peak_bandwidth, 1));
    if (video) {
      if (track.width > 0) out += fmt::format(" width=\"{}\" height=\"{}\"", track.width, track.height);
      if (track.frame_rate > 0) {
        const double rounded = std::round(track.frame_rate);
        if (std::abs(rounded - track.frame_rate) < 0.001) {
          out += fmt::format(" frameRate=\"{}\"", static_cast<long>(rounded));
        } else {
          out += fmt::format(" frameRate=\"{}/1000\"", std::lround(track.frame_rate * 1000));
        }
      }
      out += "/>\n";
    } else {
      out += fmt::format(" audioSamplingRate=\"{}\">\n", track.sample_rate);
      out += fmt::format(
          "        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" "
          "value=\"{}\"/>\n      </Representation>\n",
          track.channels > 0 ? track.channels : 2);
    }
  }
  out += "    </AdaptationSet>\n";
}

// MPD@maxSegmentDuration bounds every segment, also the ones still to come:
// the longest in the window (at least the target) plus a tenth of a second
// for the next cut's jitter. Shaka puts its live edge that far behind the
// newest segment, so a generous bound (it was 1.5 x the target) costs every
// Shaka viewer latency; a longer segment raises it at the next update.
double max_segment_seconds(const Presentation& p) {
  constexpr double kCutJitterSeconds = 0.1;
  double longest = p.target_duration_seconds;
  for (const auto& track : p.tracks) {
    for (const auto& segment : track.segments) {
      longest = std::max(longest, segment.duration_seconds(track.timescale));
    }
  }
  return longest + kCutJitterSeconds;
}

}  // namespace

std::string iso_duration(double seconds) {
  if (seconds < 0) seconds = 0;
  const auto whole_minutes = static_cast<long>(seconds / 60);
  const double rest = seconds - static_cast<double>(whole_minutes) * 60;
  if (whole_minutes > 0) return fmt::format("PT{}M{:.3f}S", whole_minutes, rest);
  return fmt::format("PT{:.3f}S", rest);
}

std::string iso_datetime_ms(std::int64_t unix_ms) {
  return core::iso8601_utc_ms(unix_ms);
}

std::string dash_manifest(const Presentation& p, const DashOptions& options) {
  const bool dynamic = p.live && !p.ended;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\"";
  out += fmt::format(" minBufferTime=\"{}\"", iso_duration(p.target_duration_seconds));
  if (dynamic) {
    out += fmt::format(
        " type=\"dynamic\" availabilityStartTime=\"{}\" publishTime=\"{}\" minimumUpdatePeriod=\"{}\" "
        "timeShiftBufferDepth=\"{}\" suggestedPresentationDelay=\"{}\" maxSegmentDuration=\"{}\"",
        iso_datetime_ms(p.availability_start_ms), iso_datetime_ms(options.now_ms),
        iso_duration(dash_update_period_seconds(p)), iso_duration(p.time_shift_buffer_seconds),
        iso_duration(p.target_duration_seconds * 3), iso_duration(max_segment_seconds(p)));
  } else {
    // Segments carry presentation times, so the end of the last one is the duration.
    double total = 0;
    if (!p.tracks.empty() && !p.tracks.front().segments.empty()) {
      const auto& track = p.tracks.front();
      const auto& last = track.segments.back();
      total = static_cast<double>(last.start + last.duration) / track.timescale;
    }
    out += fmt::format(" type=\"static\" mediaPresentationDuration=\"{}\"", iso_duration(total));
  }
  out += ">\n";
  append_service_description(out, p);
  for (const Span& span : spans_of(p)) {
    out += fmt::format("  <Period id=\"{}\" start=\"{}\">\n", span.id, iso_duration(span.start_seconds));
    append_adaptation_set(out, p, TrackKind::video, span, 0, options.time_addressing);
    append_adaptation_set(out, p, TrackKind::audio, span, 1, options.time_addressing);
    out += "  </Period>\n";
  }
  if (dynamic) {
    // In order of preference: the server's clock over HTTP (ms precision),
    // then the time this MPD was made, for players that cannot reach the
    // first (a CDN that does not pass /api/v1/time): without a working source
    // dash.js falls back to an internet time server and, offline, gives up.
    // A live MPD is made once per update and served until the next, so that
    // time is a little early when read: a player using it stays behind the
    // live edge, never ahead of the segments.
    if (!options.utc_timing_url.empty()) {
      out += fmt::format("  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\" value=\"{}\"/>\n",
                         options.utc_timing_url);
    }
    out += fmt::format("  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" value=\"{}\"/>\n",
                       iso_datetime_ms(options.now_ms));
  }
  out += "</MPD>\n";
  return out;
}

}  // namespace tidecast::package
