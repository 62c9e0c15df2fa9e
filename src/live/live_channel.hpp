#pragma once
// One channel's live presentation, from the first publish to the end of the
// reconnect grace period: it reads the channel's media::Stream on its own
// strand of the CPU pool, cuts CMAF segments, keeps the playlist window in
// memory (published as immutable LiveSnapshots), records every segment to
// disk, and on the end writes the VOD manifests and registers the video.
//
// Each publisher connection (and each codec change) is a Period: a new
// segmenter and init segment, HLS EXT-X-DISCONTINUITY, a new DASH Period;
// segment numbers keep increasing across periods.
//
// Ladder rungs (v1..vN) join the passthrough's timeline: the transcoder
// forces IDRs exactly where the passthrough's segmenter opened a segment, and
// a rung's segmenter starts (at the period start, after a shed rung is
// restored, or after any gap in its output) at one of those IDRs, seeded with
// that segment's number and start time, cutting at every IDR. So segment n of
// every rung covers the same time as segment n of v0. See docs/ladder.md.
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "core/log.hpp"
#include "live/held_requests.hpp"
#include "live/numbering.hpp"
#include "live/period_ids.hpp"
#include "live/ports.hpp"
#include "live/recording.hpp"
#include "live/snapshot.hpp"
#include "live/thumbnail_store.hpp"
#include "media/stream.hpp"
#include "package/segmenter.hpp"
#include "transcode/live_transcoder.hpp"

namespace tidecast::live {

// Memory for live segments shared by every channel (live.cache_bytes), and
// the most one channel may hold (live.stream_cache_bytes; 0 = no own cap).
struct SegmentCacheBudget {
  std::uint64_t budget = 0;
  std::uint64_t stream_budget = 0;
  std::atomic<std::uint64_t> used{0};
};

struct LiveOptions {
  double segment_seconds = 2.0;
  unsigned playlist_segments = 6;
  bool record = true;
  std::filesystem::path videos_dir;  // recordings go to <videos_dir>/<video id>/
  std::shared_ptr<SegmentCacheBudget> cache;
  TranscodeConfig ladder;       // rungs below the passthrough (transcode section), before a channel's choice
  std::size_t cpu_threads = 2;  // size of the CPU pool, shared by every channel's encoders
  // The channel's period ids across presentations (null: this presentation's own).
  std::shared_ptr<PeriodIds> period_ids;
  // Where the numbering starts (a cluster's previous owner); none: from zero.
  std::optional<Numbering> numbering;
  // The live MPD's http-iso UTCTiming. Relative on purpose: players resolve
  // it against the MPD's URL, so a page on any origin asks the host (CDN,
  // proxy, scheme) it got the MPD from; one built from a request's Host sent
  // players to a proxy's upstream name, and dash.js then stalled.
  std::string dash_utc_timing_url = "/api/v1/time";
  // Low latency (live.latency_mode low): segments are cut into parts of at
  // most this many seconds and the media playlists are LL-HLS; 0 = normal.
  double part_seconds = 0;
  HoldLimits holds;  // blocking playlist requests (held_requests.hpp)
  // Live thumbnails: at most one picture per this many seconds of media,
  // made only when asked for; 0 = none (thumbnail_store.hpp).
  double thumbnail_seconds = 5;
  core::Counter* thumbnails_made = nullptr;  // tidecast_live_thumbnails_made_total (null: not counted)
};

struct LiveStatus {
  std::string channel;
  std::string title;
  bool publishing = false;
  double uptime_seconds = 0;
  std::string video_codecs;
  std::string audio_codecs;
  int width = 0;
  int height = 0;
  double frame_rate = 0;
  std::uint64_t bitrate = 0;  // bits/s, average over the window
  std::uint32_t segments = 0;
  std::string recording_id;
  std::size_t viewers = 0;
  double keyframe_interval = 0;      // seconds between the source's last two video keyframes (0: not yet known)
  std::uint64_t dropped_frames = 0;  // source packets the segmenter's reader dropped (whole GOPs, when it fell behind)
  std::vector<transcode::RungStats> rungs;  // the ladder below the passthrough, if any
};

class LiveChannel : public std::enable_shared_from_this<LiveChannel> {
 public:
  using Executor = boost::asio::thread_pool::executor_type;

  LiveChannel(ChannelRef channel, LiveOptions options, core::Logger& log, RecordingCatalog& recordings, Executor cpu);
  ~LiveChannel();

  // A publisher started (first or reconnect): read its stream as a new period,
  // with the channel's ladder choice as it is now.
  void attach(const std::shared_ptr<media::Stream>& stream, transcode::LadderChoice ladder = {});
  // End the presentation: close playlists, finish the recording. Idempotent.
  void finish();

  std::shared_ptr<const LiveSnapshot> snapshot() const;
  // Estimated viewers: distinct addresses that fetched a playlist or
  // manifest in the last 30 seconds.
  void note_viewer(const std::string& address);
  std::size_t viewers() const;
  LiveStatus status() const;
  const ChannelRef& channel() const { return channel_; }
  // What the next presentation (here or on another node) must start above.
  Numbering numbering() const;
  bool finished() const { return finished_.load(); }
  // LL-HLS blocking requests (low latency only; null otherwise).
  const std::shared_ptr<HeldRequests>& held_requests() const { return held_; }
  double part_seconds() const { return options_.part_seconds; }
  // The live thumbnail, made on demand (null: thumbnails off).
  const std::shared_ptr<ThumbnailStore>& thumbnails() const { return thumbnails_.store(); }

 private:
  struct TrackState {
    package::TrackDescription description;
    bool withdrawn = false;  // a rung left out of the master/MPD: shed, or rejoining after a gap
    std::uint64_t total_bytes = 0;
    double total_seconds = 0;
    std::vector<package::SegmentEntry> all_segments;  // whole recording
  };

  void on_info(const media::StreamInfo& info);
  void on_packet(const media::PacketPtr& packet);
  void on_end();
  void start_period(const media::StreamInfo& info);
  void close_period();
  // The segments (and with parts, what `from` has completed of its parts).
  void accept_segments(std::vector<package::SegmentOut> segments, const std::string& video_track = "v0",
                       package::Segmenter* from = nullptr);
  void add_part(const package::PartOut& part, const std::string& track_id);
  void store_segment(const std::string& name, package::SegmentOut& out);
  void forget_file(const std::string& name);
  void start_hold_timer();
  void add_segment(package::SegmentOut& segment, const std::string& track_id);
  void start_ladder(const media::StreamInfo& info);
  void stop_ladder();
  void on_rung_info(std::size_t rung, const media::StreamInfo& info);
  void on_rung_packet(std::size_t rung, const media::PacketPtr& packet);
  void on_rung_state(std::size_t rung, bool active);
  bool join_rung(std::size_t rung, const media::Packet& packet);
  void leave_rung(std::size_t rung);
  const package::VideoSegmentStart* passthrough_segment_at(const media::Packet& packet) const;
  bool offered(const package::TrackDescription& track) const;
  bool rung_complete(const package::TrackDescription& rung, const package::TrackDescription& reference) const;
  void add_init_segment(const std::string& track_id, const std::vector<std::uint8_t>& init);
  void publish_snapshot();
  void track_memory(std::int64_t delta);
  void finalize_on_strand();
  void date_by_arrival(const media::Packet& packet);
  TrackState& track(const std::string& id, media::TrackKind kind);
  package::Presentation presentation(bool whole_recording) const;
  package::Presentation dash_presentation() const;
  std::uint32_t periods_before(std::uint32_t period) const;  // the HLS discontinuity sequence

  const ChannelRef channel_;
  const LiveOptions options_;
  core::Logger& log_;
  RecordingCatalog& recordings_;
  boost::asio::strand<Executor> strand_;

  // Strand-only state.
  std::shared_ptr<media::StreamReader> reader_;
  std::int64_t last_keyframe_ms_ = -1;  // source video keyframe times, on the channel's strand
  double keyframe_interval_ = 0;
  std::optional<package::Segmenter> segmenter_;  // passthrough video + audio
  std::unique_ptr<transcode::LadderTranscoder> ladder_;
  struct RungState {
    std::string track;                            // "v1".."vN"
    std::optional<media::StreamInfo> info;        // x264's avcC (on_rung_info)
    std::optional<package::Segmenter> segmenter;  // joined to the passthrough's timeline
    bool active = true;                           // false while shed (or failed)
    bool blocked = false;                         // cannot rejoin in this period (init segment changed)
    std::uint64_t waiting = 0;                    // packets dropped while waiting for an aligned IDR
    bool joined = false;                          // joined once in this period (later joins are logged)
  };
  std::vector<RungState> rungs_;
  TranscodeConfig period_ladder_;  // options_.ladder narrowed by the channel's choice (this publish)
  bool offer_passthrough_ = true;
  std::uint64_t ladder_generation_ = 0;  // callbacks of a stopped ladder are ignored
  std::vector<TrackState> tracks_;
  std::vector<package::Period> periods_;
  std::optional<std::int64_t> availability_start_ms_;
  // Until the first output is published, the wall-clock origin moves to the
  // earliest (arrival - media time) seen (see date_by_arrival).
  bool dated_ = false;
  std::optional<std::int64_t> first_media_ms_;
  std::uint32_t period_index_ = 0;
  bool period_open_ = false;
  std::optional<std::int64_t> number_base_;  // maps the period's segmenter numbers to ours
  std::uint32_t next_number_ = 0;
  std::uint32_t discontinuity_base_ = 0;  // periods of earlier presentations (numbering)
  std::map<std::string, SharedBytes, std::less<>> files_;
  std::map<std::string, SealedFile, std::less<>> sealed_files_;  // whole segments (snapshot.hpp)
  std::deque<std::string> file_order_;                           // media segment files, oldest first, for eviction
  // Low latency: segments held as their parts (no second copy), and each
  // segment's part files (in files_), removed with it.
  std::map<std::string, SharedPieces, std::less<>> pieced_files_;
  std::map<std::string, std::vector<std::string>, std::less<>> segment_parts_;
  std::shared_ptr<HeldRequests> held_;
  std::unique_ptr<boost::asio::steady_timer> hold_timer_;
  ChannelThumbnails thumbnails_;
  std::optional<Recording> recording_;
  std::string recording_id_;
  bool recording_failed_ = false;
  bool warned_over_budget_ = false;
  std::int64_t memory_bytes_ = 0;
  double period_end_seconds_ = 0;
  std::uint64_t generation_ = 0;  // which attached stream's events count

  mutable std::mutex viewers_mutex_;
  mutable std::map<std::string, std::chrono::steady_clock::time_point> viewers_;
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const LiveSnapshot> snapshot_;
  LiveStatus status_;
  Numbering numbering_;  // under snapshot_mutex_
  std::chrono::steady_clock::time_point started_;
  std::atomic<bool> finished_{false};
};

}  // namespace tidecast::live
