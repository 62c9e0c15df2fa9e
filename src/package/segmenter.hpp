#pragma once
// Live CMAF segmenter: turns the packets of one stream (one video and/or one
// audio track, as published by the ingest) into numbered fMP4 media segments,
// one init segment per track. Pure: no I/O, no clock, no locking (use it from
// one strand / thread).
//
// Timeline
// - Each track gets its own timescale: video 90000, audio the sample rate.
//   Input timestamps (Packet::timescale, 1000 for RTMP) are converted without
//   drift: every converted DTS is a rounding of the exact value, and a video
//   sample lasts until the next sample's converted DTS. So a segment is only
//   complete when the packet after it arrives (flush() estimates the last one).
// - The first video keyframe is time 0 of both tracks (audio keeps its offset
//   to it); packets before it are dropped and counted. Audio-only streams start
//   at their first packet.
// - Audio samples are 1024 (AAC frame length) ticks apart on a running timeline
//   anchored to the input; the anchor moves only when the input departs from it
//   by more than 0.5 s (a gap is kept; audio arriving > 0.5 s early is dropped).
// - Video DTS that go backwards (or repeat) are clamped to previous + 1 tick.
//   A jump of more than 5 s forward or 1 s back on either track is treated as a
//   publisher clock jump: the input is re-based so the packet follows the
//   previous one of its track. All of these are counted in stats().
//
// Segments
// - Video is cut only at a keyframe, the first one at or after segment start +
//   target (half a frame of tolerance for millisecond rounding), or every
//   keyframe with cut_at_every_keyframe. A segment that
//   reaches max_duration_seconds without a keyframe is cut anyway and flagged
//   starts_with_keyframe = false on the next one.
// - Audio is cut at the video cut times: an audio frame that starts before the
//   cut stays in segment n, the one starting at/after it opens n + 1. Audio and
//   video segment n therefore cover the same span (± one audio frame) and share
//   the number; a span with no audio at all has no audio segment (the number is
//   skipped for audio). Audio-only streams cut every target duration.
// - Low latency (part_seconds > 0): each segment is also cut into parts
//   (CMAF chunks: moof + mdat; the first part carries the styp), handed out
//   by take_parts() as they complete; the finished segment is the run of its
//   parts (SegmentOut::parts, the same buffers; `bytes` stays empty). A video
//   part ends where a frame starts, once the next frame would take it past
//   part_cut_seconds (part_seconds less one AAC frame when there is audio, so
//   the audio parts, cut at the video part boundaries like the segments, stay
//   within part_seconds too); a frame longer than foreseen opens the next part
//   instead. The last part of a segment is whatever remains at the cut. A part
//   is independent when its first sample is a sync sample (every audio part).
//   Audio-only streams cut parts on their own frame grid.
// - discontinuity() (publisher reconnected) closes the open segments like
//   flush(); the next period starts at the next keyframe, its timeline continues
//   at the end of the previous one, numbering keeps increasing, and the first
//   segment of each track after it has discontinuity = true.
//
// Codec assumptions: H.264/HEVC packets carry 4-byte NAL unit lengths (the
// Packet contract; RTMP/OBS always uses 4). If the avcC/hvcC says otherwise the
// copy in the init segment is rewritten to declare 4-byte lengths. AV1 packets
// are passed through as they are (temporal delimiters are not stripped).
//
// Errors: the constructor throws std::invalid_argument for a StreamInfo without
// tracks or with an unusable decoder config. push() never throws for bad
// timestamps or unknown tracks (they are counted), only if a packet's data is
// too large for an MP4 box.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "media/packet.hpp"
#include "package/fmp4.hpp"

namespace tidecast::package {

struct SegmenterOptions {
  double target_duration_seconds = 2.0;
  // Longest video segment before a cut without a keyframe; 0 = max(10 s, 3 x target).
  double max_duration_seconds = 0;
  std::uint32_t first_number = 1;
  // Where this segmenter's timeline starts (tfdt of the first segment). A new
  // period after a reconnect continues after the previous one, so decoders
  // never see timestamps go back.
  double timeline_start_seconds = 0;
  // Cut at every video keyframe (segment start + target is not checked; the
  // max duration still is). For a stream whose keyframes are exactly the
  // boundaries of another segmenter's segments (a ladder rung).
  bool cut_at_every_keyframe = false;
  // Low latency: the part target (0 = whole segments only), and where video
  // parts are cut (0 = part_seconds less one audio frame when there is audio;
  // a ladder rung passes its passthrough's value so their parts line up).
  double part_seconds = 0;
  double part_cut_seconds = 0;
};

using SharedBytes = std::shared_ptr<const std::vector<std::uint8_t>>;

// One part of a segment in progress (low latency).
struct PartOut {
  media::TrackKind kind = media::TrackKind::video;
  std::uint32_t number = 0;  // of its segment (the SegmentOut that will hold it)
  std::uint32_t index = 0;   // within its segment, from 0
  std::uint64_t start = 0;   // tfdt, track timescale
  std::uint64_t duration = 0;
  std::uint32_t timescale = 0;
  bool independent = false;  // begins with a sync sample
  SharedBytes bytes;         // moof + mdat (the first part of a segment: styp + moof + mdat)
  double duration_seconds() const { return timescale ? static_cast<double>(duration) / timescale : 0.0; }
};

// Where a video segment starts: its number, its tfdt, and the input
// timestamps (packet timescale, as pushed) of its first sample. Another
// segmenter can join this one's timeline from it (a restored ladder rung).
struct VideoSegmentStart {
  std::uint32_t number = 0;
  std::uint64_t start = 0;  // video track ticks (90 kHz)
  std::int64_t input_pts = 0;
  std::int64_t input_dts = 0;
  std::uint32_t input_timescale = 0;
};

struct SegmentOut {
  media::TrackKind kind = media::TrackKind::video;
  std::uint32_t number = 0;    // same numbering for audio and video
  std::uint64_t start = 0;     // tfdt, track timescale
  std::uint64_t duration = 0;  // track timescale
  std::uint32_t timescale = 0;
  double start_seconds = 0;
  double duration_seconds = 0;
  bool starts_with_keyframe = false;
  bool discontinuity = false;  // first segment of this track after discontinuity()
  std::uint32_t sample_count = 0;
  std::vector<std::uint8_t> bytes;  // styp + moof + mdat (empty with parts)
  std::vector<SharedBytes> parts;   // with part_seconds: the segment is these, concatenated
  std::uint64_t size() const;
};

struct SegmenterStats {
  std::uint64_t packets = 0;
  std::uint64_t dropped_before_keyframe = 0;  // before the first video keyframe of a period
  std::uint64_t dropped_no_track = 0;         // kind not in the StreamInfo, empty data or zero timescale
  std::uint64_t dropped_audio = 0;            // before the period start, > 0.5 s early, or overflow while video stalls
  std::uint64_t non_monotonic_dts = 0;        // video DTS clamped
  std::uint64_t timestamp_jumps = 0;          // input re-based after a jump
  std::uint64_t audio_reanchors = 0;          // audio gap > 0.5 s kept
  std::uint64_t forced_cuts = 0;              // video cut without a keyframe
  std::uint64_t segments = 0;
};

class Segmenter {
 public:
  explicit Segmenter(const media::StreamInfo& info, SegmenterOptions options = {});

  bool has_track(media::TrackKind kind) const;
  // Throw std::out_of_range for a track the stream does not have.
  const TrackSpec& track_spec(media::TrackKind kind) const;
  const std::vector<std::uint8_t>& init_segment(media::TrackKind kind) const;

  // The segments completed by this packet, in completion order. The shared
  // packet is held (not copied) until its segment or part is written; the
  // reference overload copies the packet first.
  std::vector<SegmentOut> push(const media::PacketPtr& packet);
  std::vector<SegmentOut> push(const media::Packet& packet);
  // End of stream: closes the open segments.
  std::vector<SegmentOut> flush();
  // Publisher reconnected: closes the open segments and starts a new period.
  std::vector<SegmentOut> discontinuity();
  // Low latency: the parts completed since the last call, in completion
  // order (a segment's parts come out before, or with, the segment).
  std::vector<PartOut> take_parts();
  // Where video parts are cut (0 without parts).
  double part_cut_seconds() const { return part_cut_seconds_; }

  const SegmenterStats& stats() const { return stats_; }
  // The most recent video segments' starts, the open segment's included,
  // oldest first (at most 64; cleared by flush()/discontinuity()).
  const std::deque<VideoSegmentStart>& video_segment_starts() const { return video_starts_; }
  const SegmenterOptions& options() const { return options_; }

 private:
  struct PendingSample {
    std::int64_t time = 0;  // DTS, track timescale
    std::int32_t composition_offset = 0;
    bool sync = true;
    media::PacketPtr packet;  // its data is the sample's
  };
  struct Track {
    TrackSpec spec;
    std::vector<std::uint8_t> init;
    std::int64_t base = 0;                   // period start, track ticks
    std::int64_t end = 0;                    // end of the last emitted segment, track ticks
    std::optional<std::int64_t> last_input;  // input ticks since the period origin
    std::int64_t last_input_step = 0;
    std::optional<std::int64_t> last_time;  // track ticks
    std::deque<PendingSample> pending;      // of the open segment (with parts: of its open part)
    bool mark_discontinuity = false;
    // Low latency: the open segment's parts so far.
    std::vector<SharedBytes> open_parts;
    std::int64_t segment_start = 0;
    bool segment_keyframe = false;
    std::uint32_t segment_samples = 0;
    std::uint32_t fragments = 0;  // mfhd sequence numbers of parts
  };
  struct Cut {
    std::uint32_t number = 0;
    std::int64_t end = 0;     // video ticks
    bool segment_end = true;  // false: a part boundary inside segment `number`
  };

  Track* track(media::TrackKind kind);
  void start_period(std::int64_t origin);
  void push_started(const media::PacketPtr& packet, std::vector<SegmentOut>& out);
  void push_video(std::int64_t input, std::int64_t pts_input, const media::PacketPtr& packet,
                  std::vector<SegmentOut>& out);
  void push_audio(std::int64_t input, const media::PacketPtr& packet, std::vector<SegmentOut>& out);
  std::int64_t input_time(Track& track, std::int64_t dts);
  void close_video(std::int64_t end, std::vector<SegmentOut>& out);
  void drain_audio(bool at_end, std::vector<SegmentOut>& out);
  // The first `count` pending samples (ending at `end`) become the segment,
  // or with parts the segment's next part; `segment_end` closes the segment
  // (with parts `count` may be 0: the parts so far are the whole segment).
  void emit(Track& track, std::uint32_t number, std::size_t count, std::int64_t end, bool segment_end,
            std::vector<SegmentOut>& out);
  std::vector<Sample> fragment_samples(const Track& track, std::size_t count, std::int64_t end) const;
  void emit_part(Track& track, std::uint32_t number, std::size_t count, std::int64_t end);
  void cut_video_part(std::int64_t time);
  void cut_audio_only_part(std::int64_t time);
  // Queues a video cut for the audio, capped in segments (segmenter_parts.cpp).
  void push_cut(Cut cut);
  bool segment_open(const Track& track) const { return !track.pending.empty() || !track.open_parts.empty(); }
  std::int64_t segment_start(const Track& track) const {
    return track.open_parts.empty() ? track.pending.front().time : track.segment_start;
  }
  void end_period(std::vector<SegmentOut>& out);
  std::int64_t to_track(const Track& track, std::int64_t input) const;

  SegmenterOptions options_;
  std::optional<Track> video_;
  std::optional<Track> audio_;
  int audio_frame_length_ = 1024;
  SegmenterStats stats_;

  std::int64_t input_timescale_ = 0;            // of the first packet; later packets are converted to it
  bool started_ = false;                        // the period's origin is known
  std::int64_t origin_ = 0;                     // input ticks of the period's first keyframe (after shift_)
  std::int64_t shift_ = 0;                      // input ticks added after publisher clock jumps
  std::uint32_t next_number_ = 1;               // of the open video (or audio-only) segment
  std::int64_t next_audio_boundary_ = 0;        // audio-only cutting, audio ticks
  std::deque<Cut> cuts_;                        // video cuts the audio has not reached yet
  std::deque<media::PacketPtr> audio_preroll_;  // audio before the first keyframe
  std::deque<VideoSegmentStart> video_starts_;
  double part_cut_seconds_ = 0;        // 0: no parts
  std::int64_t video_part_limit_ = 0;  // video ticks
  std::int64_t audio_part_limit_ = 0;  // audio ticks (audio-only streams)
  std::vector<PartOut> parts_;         // completed, not yet taken
};

}  // namespace tidecast::package
