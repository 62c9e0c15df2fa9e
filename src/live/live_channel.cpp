#include "live/live_channel.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>
#include <map>

#include "core/clock.hpp"
#include "live/dash_timeline.hpp"
#include "live/hold_limit.hpp"
#include "package/hls_playlist.hpp"

namespace tidecast::live {

namespace net = boost::asio;
using media::TrackKind;

namespace {

using core::unix_now_ms;

// Media segments kept in memory beyond the playlist window, for players that
// are a little behind the newest playlist.
constexpr std::size_t kExtraSegments = 4;

LiveOptions with_period_ids(LiveOptions options) {
  if (!options.period_ids) options.period_ids = std::make_shared<PeriodIds>();
  return options;
}

}  // namespace

LiveChannel::LiveChannel(ChannelRef channel, LiveOptions options, core::Logger& log, RecordingCatalog& recordings,
                         Executor cpu)
    : channel_(std::move(channel)),
      options_(with_period_ids(std::move(options))),
      log_(log),
      recordings_(recordings),
      strand_(net::make_strand(cpu)),
      thumbnails_(cpu, options_.thumbnail_seconds, options_.record, channel_.name, log, options_.thumbnails_made),
      snapshot_(std::make_shared<LiveSnapshot>()),
      started_(std::chrono::steady_clock::now()) {
  if (options_.numbering) {
    next_number_ = options_.numbering->media_sequence;
    discontinuity_base_ = options_.numbering->discontinuity_sequence;
    options_.period_ids->at_least(options_.numbering->period);
  }
  // Period ids come from the clock (period_ids.hpp), so a later presentation
  // on the same channel never reuses a segment URL that caches hold as immutable.
  period_index_ = options_.period_ids->next(static_cast<std::uint32_t>(unix_now_ms() / 1000));
  status_.channel = channel_.name;
  status_.title = channel_.title;
  if (options_.part_seconds > 0) {
    HoldLimits limits = options_.holds;
    limits.timeout = hold_limit(options_.segment_seconds);
    held_ = std::make_shared<HeldRequests>(limits);
  }
  numbering_ = {next_number_, discontinuity_base_, period_index_ + 1};
}

LiveChannel::~LiveChannel() {
  if (held_) held_->release_all();  // shutdown: nothing stays held
  if (options_.cache) options_.cache->used -= static_cast<std::uint64_t>(memory_bytes_);
}

void LiveChannel::track_memory(std::int64_t delta) {
  memory_bytes_ += delta;
  if (options_.cache) options_.cache->used += static_cast<std::uint64_t>(delta);  // wraps correctly for negative
}

void LiveChannel::attach(const std::shared_ptr<media::Stream>& stream, transcode::LadderChoice ladder) {
  net::post(strand_, [self = shared_from_this(), stream, ladder = std::move(ladder)] {
    if (self->finished_) return;
    self->close_period();
    std::vector<std::string> unknown;
    self->period_ladder_ = transcode::apply_choice(self->options_.ladder, ladder, &unknown);
    self->offer_passthrough_ = self->period_ladder_.passthrough;
    if (!ladder.is_default()) {
      self->log_.info("live", "channel ladder channel={} choice={}", self->channel_.name, transcode::to_json(ladder));
    }
    if (!unknown.empty()) {
      self->log_.warn("live", "channel ladder names rungs the config does not have channel={} rungs={} (skipped)",
                      self->channel_.name, fmt::join(unknown, ","));
    }
    if (self->held_ && !self->hold_timer_) self->start_hold_timer();
    const std::uint64_t generation = ++self->generation_;
    auto guard = [self, generation](auto&& fn) {
      return [self, generation, fn](const auto&... args) {
        if (self->generation_ == generation) (self.get()->*fn)(args...);
      };
    };
    media::ReaderCallbacks callbacks{guard(&LiveChannel::on_info), guard(&LiveChannel::on_packet),
                                     guard(&LiveChannel::on_end)};
    const double queue_seconds = std::max(4.0, 3 * self->options_.segment_seconds);
    self->reader_ =
        stream->subscribe({"segmenter", queue_seconds}, std::move(callbacks),
                          [strand = self->strand_](std::function<void()> task) { net::post(strand, std::move(task)); });
    std::lock_guard lock(self->snapshot_mutex_);
    self->status_.publishing = true;
  });
}

void LiveChannel::finish() {
  net::post(strand_, [self = shared_from_this()] { self->finalize_on_strand(); });
}

std::shared_ptr<const LiveSnapshot> LiveChannel::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void LiveChannel::note_viewer(const std::string& address) {
  if (address.empty()) return;  // another node of a cluster, pulling for its own viewers
  std::lock_guard lock(viewers_mutex_);
  viewers_[address] = std::chrono::steady_clock::now();
}

std::size_t LiveChannel::viewers() const {
  const auto cutoff = std::chrono::steady_clock::now() - std::chrono::seconds(30);
  std::lock_guard lock(viewers_mutex_);
  std::erase_if(viewers_, [&](const auto& entry) { return entry.second < cutoff; });
  return viewers_.size();
}

Numbering LiveChannel::numbering() const {
  std::lock_guard lock(snapshot_mutex_);
  return numbering_;
}

LiveStatus LiveChannel::status() const {
  std::lock_guard lock(snapshot_mutex_);
  LiveStatus status = status_;
  status.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  status.viewers = viewers();
  return status;
}

void LiveChannel::on_info(const media::StreamInfo& info) {
  last_keyframe_ms_ = -1;  // a new period may restart the clock
  close_period();
  start_period(info);
}

void LiveChannel::on_packet(const media::PacketPtr& packet) {
  if (!segmenter_) return;
  if (!dated_) date_by_arrival(*packet);
  if (packet->kind == TrackKind::video && packet->keyframe && packet->timescale > 0) {
    const std::int64_t ms = packet->pts * 1000 / packet->timescale;
    if (last_keyframe_ms_ >= 0 && ms > last_keyframe_ms_) keyframe_interval_ = (ms - last_keyframe_ms_) / 1000.0;
    last_keyframe_ms_ = ms;
  }
  const auto& starts = segmenter_->video_segment_starts();
  const std::optional<std::uint32_t> open = starts.empty() ? std::nullopt : std::optional(starts.back().number);
  accept_segments(segmenter_->push(packet), "v0", &*segmenter_);
  thumbnails_.on_packet(packet);
  if (!ladder_ || packet->kind != TrackKind::video) return;
  // The rungs get their IDRs exactly where the passthrough's segments start.
  const bool segment_start = !starts.empty() && (!open || starts.back().number != *open);
  ladder_->push(packet, segment_start);
}

// A publisher often starts with a burst: frames encoded before the connection
// was up arrive at once. Dating the stream by its first packet's arrival put
// every PROGRAM-DATE-TIME and the MPD's availabilityStartTime late by the
// burst (0.5 s with FFmpeg's tee muxer), and players that steer by them sat
// that much further behind. The earliest (arrival - media time) seen before
// anything is published is when media time 0 was sent.
void LiveChannel::date_by_arrival(const media::Packet& packet) {
  if (!availability_start_ms_ || packet.timescale == 0) return;
  const std::int64_t media_ms = packet.dts * 1000 / packet.timescale;
  if (!first_media_ms_) first_media_ms_ = media_ms;
  const std::int64_t origin = unix_now_ms() - (media_ms - *first_media_ms_);
  availability_start_ms_ = std::min(*availability_start_ms_, origin);
}

void LiveChannel::on_end() {
  close_period();
  std::lock_guard lock(snapshot_mutex_);
  status_.publishing = false;
}

LiveChannel::TrackState& LiveChannel::track(const std::string& id, TrackKind kind) {
  for (auto& track : tracks_) {
    if (track.description.id == id) return track;
  }
  TrackState added;
  added.description.kind = kind;
  added.description.id = id;
  // Video tracks first, in id order (v0 passthrough, v1.. rungs), then audio.
  auto at = std::find_if(tracks_.begin(), tracks_.end(), [&](const TrackState& t) {
    return kind == TrackKind::video && (t.description.kind == TrackKind::audio || t.description.id > id);
  });
  return *tracks_.insert(at, std::move(added));
}

void LiveChannel::add_init_segment(const std::string& track_id, const std::vector<std::uint8_t>& init) {
  const std::string name = fmt::format("{}/init-{}.mp4", track_id, period_index_);
  files_[name] = std::make_shared<const std::vector<std::uint8_t>>(init);
  track_memory(static_cast<std::int64_t>(init.size()));
  if (recording_) recording_->write_file(name, init);
}

void LiveChannel::start_period(const media::StreamInfo& info) {
  const std::int64_t now = unix_now_ms();
  if (!availability_start_ms_) availability_start_ms_ = now;
  const double by_clock = static_cast<double>(now - *availability_start_ms_) / 1000.0;
  // Periods continue the media timeline, never going back, from a whole
  // second: exact in every timescale used (90 kHz, 44.1/48 kHz) and on the
  // frame grid of every integer frame rate, so frame times of the new period
  // do not fall between those of the old one (the ffmpeg CLI, decoding a
  // recording across the discontinuity, rounds such times onto one grid and
  // saw duplicate timestamps).
  const double start = periods_.empty() ? 0.0 : std::ceil(std::max(by_clock, period_end_seconds_));
  if (!periods_.empty()) period_index_ = options_.period_ids->next(static_cast<std::uint32_t>(now / 1000));
  periods_.push_back({period_index_, start});
  period_end_seconds_ = start;
  {
    std::lock_guard lock(snapshot_mutex_);
    numbering_ = {next_number_, discontinuity_base_ + static_cast<std::uint32_t>(periods_.size()), period_index_ + 1};
  }

  package::SegmenterOptions segmenter_options;
  segmenter_options.target_duration_seconds = options_.segment_seconds;
  segmenter_options.timeline_start_seconds = start;
  segmenter_options.part_seconds = options_.part_seconds;
  segmenter_.emplace(info, segmenter_options);
  number_base_.reset();
  for (const TrackKind kind : {TrackKind::video, TrackKind::audio}) {
    const bool present = kind == TrackKind::video ? info.video.has_value() : info.audio.has_value();
    if (!present) continue;
    TrackState& state = track(kind == TrackKind::video ? "v0" : "a0", kind);
    auto& d = state.description;
    d.timescale = segmenter_->track_spec(kind).timescale;
    if (info.video && kind == TrackKind::video) {
      d.codecs = info.video->codecs;
      d.width = info.video->width;
      d.height = info.video->height;
      d.frame_rate = info.video->frame_rate;
    } else if (info.audio && kind == TrackKind::audio) {
      d.codecs = info.audio->codecs;
      d.sample_rate = info.audio->sample_rate;
      d.channels = info.audio->channels;
    }
    add_init_segment(d.id, segmenter_->init_segment(kind));
  }
  thumbnails_.start_period(info, period_index_);
  start_ladder(info);
  log_.info("live", "period started channel={} period={} video={} audio={}", channel_.name, period_index_,
            info.video ? info.video->codecs : "none", info.audio ? info.audio->codecs : "none");
}

void LiveChannel::close_period() {
  if (!segmenter_) return;
  accept_segments(segmenter_->flush(), "v0", &*segmenter_);
  segmenter_.reset();
  stop_ladder();
}

void LiveChannel::start_ladder(const media::StreamInfo& info) {
  const auto& ladder = period_ladder_;
  if (!ladder.enabled || ladder.rungs.empty() || !info.video || info.video->codec != media::Codec::h264) return;
  const std::uint64_t generation = ++ladder_generation_;
  // Encoder output arrives on pool threads; everything after it runs on the strand.
  auto on_strand = [weak = weak_from_this(), generation](auto action) {
    return [weak, generation, action](auto... args) {
      auto self = weak.lock();
      if (!self) return;
      net::post(self->strand_, [self, generation, action, args...] {
        if (self->ladder_generation_ == generation && !self->finished_) action(*self, args...);
      });
    };
  };
  transcode::LadderCallbacks callbacks{
      on_strand([](LiveChannel& c, std::size_t rung, media::StreamInfo rung_info) { c.on_rung_info(rung, rung_info); }),
      on_strand([](LiveChannel& c, std::size_t rung, media::PacketPtr packet) { c.on_rung_packet(rung, packet); }),
      on_strand([](LiveChannel& c, std::size_t rung, bool active) { c.on_rung_state(rung, active); }),
      {}};  // live thumbnails come from source keyframes, on demand (thumbnail_store.hpp)
  transcode::LadderOptions ladder_options;
  ladder_options.name = channel_.name;
  ladder_options.log = &log_;
  ladder_options.cpu_threads = options_.cpu_threads;
  ladder_options.caller_cuts = true;
  ladder_options.low_latency = options_.part_seconds > 0;
  try {
    ladder_ = std::make_unique<transcode::LadderTranscoder>(info, 1000, ladder, options_.segment_seconds,
                                                            strand_.get_inner_executor(), std::move(callbacks),
                                                            ladder_options);
  } catch (const std::exception& e) {
    log_.error("live", "ladder disabled channel={} error=\"{}\" (passthrough continues)", channel_.name, e.what());
    return;
  }
  rungs_.clear();
  rungs_.resize(ladder_->rungs().size());
  for (std::size_t rung = 0; rung < rungs_.size(); ++rung) rungs_[rung].track = fmt::format("v{}", rung + 1);
  std::string names;
  for (const auto& plan : ladder_->rungs()) names += fmt::format(" {}={}x{}", plan.rung.name, plan.width, plan.height);
  log_.info("live", "ladder channel={} rungs:{}", channel_.name, names.empty() ? " none (source too small)" : names);
}

void LiveChannel::stop_ladder() {
  if (!ladder_) return;
  ++ladder_generation_;
  ladder_.reset();  // frames still in the encoders are dropped; the passthrough has them
  for (std::size_t rung = 0; rung < rungs_.size(); ++rung) leave_rung(rung);
  rungs_.clear();
}

void LiveChannel::on_rung_info(std::size_t rung, const media::StreamInfo& info) {
  if (rung >= rungs_.size() || !info.video) return;
  rungs_[rung].info = info;
  leave_rung(rung);  // a new encoder (after a restore): join again with its parameter sets
}

void LiveChannel::on_rung_state(std::size_t rung, bool active) {
  if (rung >= rungs_.size()) return;
  rungs_[rung].active = active;
  if (!active) {
    leave_rung(rung);  // the ladder shed it at an aligned IDR: its last segment is complete
    track(rungs_[rung].track, TrackKind::video).withdrawn = true;
  }
  publish_snapshot();
}

void LiveChannel::leave_rung(std::size_t rung) {
  RungState& r = rungs_[rung];
  if (!r.segmenter) return;
  accept_segments(r.segmenter->flush(), r.track, &*r.segmenter);
  r.segmenter.reset();
}

const package::VideoSegmentStart* LiveChannel::passthrough_segment_at(const media::Packet& packet) const {
  if (!segmenter_) return nullptr;
  const auto& starts = segmenter_->video_segment_starts();
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
    if (static_cast<__int128>(it->input_pts) * packet.timescale ==
        static_cast<__int128>(packet.pts) * it->input_timescale) {
      return &*it;
    }
  }
  return nullptr;
}

bool LiveChannel::join_rung(std::size_t index, const media::Packet& packet) {
  RungState& r = rungs_[index];
  if (!r.info || r.blocked || !segmenter_ || packet.timescale == 0) return false;
  const package::VideoSegmentStart* at = passthrough_segment_at(packet);
  if (!at || at->input_timescale == 0) return false;
  // The rung's first DTS lands where the passthrough put the same source
  // time, so every later timestamp maps identically too.
  const std::uint32_t timescale = segmenter_->track_spec(TrackKind::video).timescale;
  const double offset =
      static_cast<double>(packet.dts) / packet.timescale - static_cast<double>(at->input_dts) / at->input_timescale;
  const std::int64_t start = std::max<std::int64_t>(
      0, static_cast<std::int64_t>(at->start) + std::llround(offset * static_cast<double>(timescale)));
  package::SegmenterOptions options;
  options.target_duration_seconds = options_.segment_seconds;
  options.first_number = at->number;
  options.timeline_start_seconds = static_cast<double>(start) / timescale;
  options.cut_at_every_keyframe = true;
  options.part_seconds = options_.part_seconds;
  options.part_cut_seconds = segmenter_->part_cut_seconds();  // the passthrough's part timeline
  try {
    r.segmenter.emplace(*r.info, options);
  } catch (const std::exception& e) {
    log_.error("live", "rung disabled channel={} rung={} error=\"{}\"", channel_.name, r.track, e.what());
    r.blocked = true;
    return false;
  }
  const auto& init = r.segmenter->init_segment(TrackKind::video);
  const std::string init_name = fmt::format("{}/init-{}.mp4", r.track, period_index_);
  if (const auto existing = files_.find(init_name); existing != files_.end()) {
    if (*existing->second != init) {
      // Segment URLs are immutable: a new init needs a new period.
      log_.warn("live",
                "rung left out channel={} rung={} reason=\"encoder parameter sets changed\" (until the next period)",
                channel_.name, r.track);
      r.segmenter.reset();
      r.blocked = true;
      return false;
    }
  } else {
    auto& d = track(r.track, TrackKind::video).description;
    d.timescale = r.segmenter->track_spec(TrackKind::video).timescale;
    d.codecs = r.info->video->codecs;
    d.width = r.info->video->width;
    d.height = r.info->video->height;
    d.frame_rate = r.info->video->frame_rate;
    add_init_segment(d.id, init);
  }
  if (r.joined || r.waiting > 0) {
    log_.info("live", "rung joined channel={} rung={} segment_index={} dropped_packets={}", channel_.name, r.track,
              at->number - 1, r.waiting);
  }
  r.joined = true;
  r.waiting = 0;
  return true;
}

void LiveChannel::on_rung_packet(std::size_t rung, const media::PacketPtr& packet) {
  if (rung >= rungs_.size()) return;
  RungState& r = rungs_[rung];
  if (packet->keyframe && r.segmenter) {
    // Every rung IDR must open the passthrough's next segment; anything else
    // (frames lost to a GOP drop or a decode error) means leave and rejoin.
    const auto& own = r.segmenter->video_segment_starts();
    const std::uint32_t expected = own.empty() ? r.segmenter->options().first_number : own.back().number + 1;
    const package::VideoSegmentStart* at = passthrough_segment_at(*packet);
    if (!at || at->number != expected) {
      log_.warn("live", "rung off the passthrough's segments channel={} rung={} (rejoining at the next aligned IDR)",
                channel_.name, r.track);
      leave_rung(rung);
    }
  }
  if (!r.segmenter && !(packet->keyframe && join_rung(rung, *packet))) {
    ++r.waiting;  // logged when it joins
    return;
  }
  accept_segments(r.segmenter->push(packet), r.track, &*r.segmenter);
}

void LiveChannel::accept_segments(std::vector<package::SegmentOut> segments, const std::string& video_track,
                                  package::Segmenter* from) {
  const std::vector<package::PartOut> parts = from ? from->take_parts() : std::vector<package::PartOut>{};
  if (segments.empty() && parts.empty()) return;
  dated_ = true;  // published from here on: the origin stays
  for (const auto& part : parts) add_part(part, part.kind == TrackKind::video ? video_track : "a0");
  for (auto& segment : segments) add_segment(segment, segment.kind == TrackKind::video ? video_track : "a0");
  publish_snapshot();
}

void LiveChannel::add_segment(package::SegmentOut& out, const std::string& track_id) {
  // The segmenter numbers segments from 1 within a period, audio and video alike.
  if (!number_base_) number_base_ = static_cast<std::int64_t>(next_number_) - out.number;
  const auto number = static_cast<std::uint32_t>(*number_base_ + out.number);
  next_number_ = std::max(next_number_, number + 1);
  const std::uint32_t index = out.number - 1;

  TrackState& state = track(track_id, out.kind);
  auto& d = state.description;
  if (out.kind == TrackKind::video && track_id != "v0") {
    // A rung that left and rejoined: its playlist restarts after the gap
    // (media sequence numbers must be contiguous); it is offered again now.
    if (!d.segments.empty() && d.segments.back().number + 1 != number) {
      d.segments.clear();
      std::erase_if(d.parts, [&](const package::PartEntry& part) { return part.number < number; });
    }
    state.withdrawn = false;
  }
  package::SegmentEntry entry;
  entry.number = number;
  entry.index = index;
  entry.start = out.start;
  entry.duration = out.duration;
  entry.period = period_index_;
  entry.wallclock_ms = *availability_start_ms_ + static_cast<std::int64_t>(out.start_seconds * 1000.0);
  entry.bytes = out.size();

  state.total_bytes += out.size();
  state.total_seconds += out.duration_seconds;
  if (out.duration_seconds >= options_.segment_seconds * 0.5) {
    d.peak_bandwidth =
        std::max<std::uint64_t>(d.peak_bandwidth, static_cast<std::uint64_t>(out.size() * 8 / out.duration_seconds));
  }
  if (state.total_seconds > 0) {
    d.average_bandwidth = static_cast<std::uint64_t>(static_cast<double>(state.total_bytes) * 8 / state.total_seconds);
  }
  if (d.peak_bandwidth == 0) d.peak_bandwidth = d.average_bandwidth;
  if (track_id == tracks_.front().description.id) {
    period_end_seconds_ = out.start_seconds + out.duration_seconds;
  }

  d.segments.push_back(entry);
  state.all_segments.push_back(entry);
  while (d.segments.size() > options_.playlist_segments) d.segments.erase(d.segments.begin());
  std::erase_if(d.parts, [&](const package::PartEntry& part) { return part.number < d.segments.front().number; });

  const std::string name = d.id + "/" + entry.file_name();
  store_segment(name, out);
  // Keep a few segments beyond the window for players a little behind; over
  // the shared cache budget or this channel's own, keep only the window itself.
  const bool over_budget =
      options_.cache && (options_.cache->used.load() > options_.cache->budget ||
                         (options_.cache->stream_budget > 0 &&
                          static_cast<std::uint64_t>(memory_bytes_) > options_.cache->stream_budget));
  if (over_budget && !warned_over_budget_) {
    warned_over_budget_ = true;
    log_.warn("live", "segment cache over budget channel={} budget_bytes={} (keeping only the playlist window)",
              channel_.name, options_.cache->budget);
  }
  const std::size_t keep = (options_.playlist_segments + (over_budget ? 0 : kExtraSegments)) * tracks_.size();
  while (file_order_.size() > keep) {
    forget_file(file_order_.front());
    file_order_.pop_front();
  }

  if (options_.record && !recording_ && !recording_failed_) {
    try {
      recording_id_ = recordings_.begin_recording(channel_);
      recording_.emplace(log_, options_.videos_dir / recording_id_);
      for (const auto& [file, init] : files_) {
        if (file.find("/init-") != std::string::npos) recording_->write_file(file, *init);
      }
      log_.info("live", "recording channel={} video={}", channel_.name, recording_id_);
    } catch (const std::exception& e) {
      recording_failed_ = true;
      log_.error("live", "recording disabled channel={} error=\"{}\"", channel_.name, e.what());
    }
  }
  if (recording_) {
    if (const auto it = files_.find(name); it != files_.end()) {
      recording_->write_file(name, *it->second);
    } else if (const auto sealed = sealed_files_.find(name); sealed != sealed_files_.end()) {
      recording_->write_file(name, sealed->second->bytes());
    } else {
      std::vector<std::uint8_t> whole;  // the parts, joined for the file only
      whole.reserve(static_cast<std::size_t>(entry.bytes));
      for (const auto& part : *pieced_files_.at(name)) whole.insert(whole.end(), part->begin(), part->end());
      recording_->write_file(name, whole);
    }
  }
}

package::Presentation LiveChannel::dash_presentation() const {
  // The timeline is the playlist window, which is the time-shift window
  // ($Time$ addressing lets it start anywhere in a period). Which
  // Representations are listed is decided over the window's periods from
  // their first segment (dash_timeline.hpp), as players may have fetched
  // earlier ones.
  const package::Presentation window = presentation(false);
  package::Presentation p = window;
  for (std::size_t i = 0; i < p.tracks.size(); ++i) {
    auto& segments = p.tracks[i].segments;
    if (segments.empty()) continue;
    segments = dash_timeline(tracks_[i].all_segments, segments.front().period);
  }
  // All video Representations share the passthrough's SegmentTimeline, so a
  // rung is listed only while it has every segment of it (a shed rung stays
  // out for the rest of its period; see docs/ladder.md).
  const package::TrackDescription* reference = nullptr;
  for (const auto& t : p.tracks) {
    if (t.id == "v0") reference = &t;
  }
  std::vector<bool> keep(p.tracks.size(), true);
  bool any_rung = false;
  for (std::size_t i = 0; i < p.tracks.size(); ++i) {
    const auto& t = p.tracks[i];
    if (t.kind != TrackKind::video || t.id == "v0") continue;
    keep[i] = !tracks_[i].withdrawn && !t.segments.empty() && reference && rung_complete(t, *reference);
    any_rung = any_rung || keep[i];
  }
  for (std::size_t i = 0; i < p.tracks.size(); ++i) {
    if (p.tracks[i].id == "v0") keep[i] = offer_passthrough_ || !any_rung;
  }
  std::vector<package::TrackDescription> kept;
  for (std::size_t i = 0; i < window.tracks.size(); ++i) {
    if (keep[i]) kept.push_back(window.tracks[i]);
  }
  p.tracks = std::move(kept);
  return p;
}

bool LiveChannel::rung_complete(const package::TrackDescription& rung,
                                const package::TrackDescription& reference) const {
  // Per period of the reference: the same first segment and no hole. A rung
  // trailing the passthrough at the live edge (its encoders lag) stays listed.
  struct Span {
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    std::uint32_t count = 0;
  };
  const auto spans = [](const package::TrackDescription& t) {
    std::map<std::uint32_t, Span> out;
    for (const auto& segment : t.segments) {
      auto [it, added] = out.try_emplace(segment.period, Span{segment.index, segment.index, 0});
      it->second.last = segment.index;
      ++it->second.count;
    }
    return out;
  };
  const auto own = spans(rung);
  for (const auto& [period, ref] : spans(reference)) {
    const auto it = own.find(period);
    if (it == own.end()) return false;
    const Span& o = it->second;
    if (o.first != ref.first || o.count != o.last - o.first + 1) return false;
  }
  return true;
}

package::Presentation LiveChannel::presentation(bool whole_recording) const {
  package::Presentation p;
  p.live = !whole_recording;
  p.ended = finished_.load();
  p.target_duration_seconds = options_.segment_seconds;
  p.part_target_seconds = whole_recording ? 0.0 : options_.part_seconds;
  p.availability_start_ms = availability_start_ms_.value_or(0);
  p.time_shift_buffer_seconds = options_.segment_seconds * options_.playlist_segments;
  std::uint32_t first_period = period_index_;
  for (const auto& track : tracks_) {
    package::TrackDescription d = track.description;
    if (whole_recording) {
      d.segments = track.all_segments;
      d.parts.clear();
    }
    // A withdrawn rung's frozen window does not hold the others' periods back.
    if (!d.segments.empty() && (whole_recording || !track.withdrawn)) {
      first_period = std::min(first_period, d.segments.front().period);
    }
    p.tracks.push_back(std::move(d));
  }
  for (const auto& period : periods_) {
    if (period.index >= first_period) p.periods.push_back(period);
  }
  if (!whole_recording) p.discontinuity_sequence = periods_before(first_period);
  return p;
}

std::uint32_t LiveChannel::periods_before(std::uint32_t period) const {
  // RFC 8216 6.2.2: one per EXT-X-DISCONTINUITY that left the window, i.e. per
  // period wholly before it. Period ids are clock seconds, so their difference
  // is not a count.
  return discontinuity_base_ +
         static_cast<std::uint32_t>(std::count_if(periods_.begin(), periods_.end(),
                                                  [&](const package::Period& p) { return p.index < period; }));
}

void LiveChannel::publish_snapshot() {
  auto next = std::make_shared<LiveSnapshot>();
  next->channel = channel_.name;
  next->updated_ms = unix_now_ms();
  next->presentation = presentation(false);
  next->files = files_;
  next->pieced_files = pieced_files_;
  next->sealed_files = sealed_files_;
  for (const auto& [name, bytes] : files_) next->cached_bytes += bytes->size();
  for (const auto& [name, sealed] : sealed_files_) next->cached_bytes += sealed->size();
  for (std::size_t i = 0; i < tracks_.size() && i < next->presentation.tracks.size(); ++i) {
    if (tracks_[i].withdrawn) next->withdrawn_tracks.insert(next->presentation.tracks[i].id);
  }
  bool any_segments = false;
  for (std::size_t i = 0; i < next->presentation.tracks.size(); ++i) {
    const auto& track = next->presentation.tracks[i];
    if (track.segments.empty()) continue;
    any_segments = true;
    const std::uint32_t first_period = track.segments.front().period;
    if (periods_before(first_period) != next->presentation.discontinuity_sequence) {
      // A rung whose window restarted in a later period than the others'.
      package::Presentation own = next->presentation;
      own.discontinuity_sequence = periods_before(first_period);
      render_media_playlist(*next, own, i);
    } else {
      render_media_playlist(*next, next->presentation, i);
    }
  }
  if (any_segments) {
    // The master lists a rung only while it is encoded and has segments in
    // its window (a shed rung leaves; a restored one returns with its first
    // segment). Its media playlist stays valid meanwhile, listing what was
    // made. The source is listed unless the channel turned it off, and
    // always when no rung is on offer.
    package::Presentation offered = next->presentation;
    std::vector<bool> keep(offered.tracks.size(), true);
    bool any_rung = false;
    for (std::size_t i = 0; i < offered.tracks.size(); ++i) {
      const auto& t = offered.tracks[i];
      keep[i] = !t.segments.empty() && !tracks_[i].withdrawn;
      if (t.kind == TrackKind::video && t.id != "v0") any_rung = any_rung || keep[i];
    }
    std::vector<package::TrackDescription> kept;
    for (std::size_t i = 0; i < offered.tracks.size(); ++i) {
      if (offered.tracks[i].id == "v0") keep[i] = keep[i] && (offer_passthrough_ || !any_rung);
      if (keep[i]) kept.push_back(std::move(offered.tracks[i]));
    }
    offered.tracks = std::move(kept);
    next->master_playlist = render_manifest(package::hls_master_playlist(offered));
    const package::Presentation dash = with_open_segments(dash_presentation());
    next->mpd = render_live_mpd(dash, options_.dash_utc_timing_url, next->updated_ms);
    next->dash_names = dash_time_names(dash);
  }

  std::shared_ptr<const LiveSnapshot> published = next;
  {
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = std::move(next);
  }
  if (held_) held_->update(published);  // blocking requests this update answers
  std::lock_guard lock(snapshot_mutex_);
  numbering_ = {next_number_, discontinuity_base_ + static_cast<std::uint32_t>(periods_.size()), period_index_ + 1};
  status_.segments = 0;
  for (const auto& track : tracks_)
    status_.segments = std::max<std::uint32_t>(status_.segments, track.all_segments.size());
  status_.recording_id = recording_id_;
  status_.rungs = ladder_ ? ladder_->stats().rungs : std::vector<transcode::RungStats>{};
  status_.keyframe_interval = keyframe_interval_;
  status_.dropped_frames = reader_ ? reader_->stats().dropped_packets : 0;
  status_.bitrate = 0;
  for (const auto& track : tracks_) {
    const auto& d = track.description;
    if (d.id != "v0" && d.kind == TrackKind::video) continue;  // rungs are reported in `rungs`
    status_.bitrate += d.average_bandwidth;
    if (d.kind == TrackKind::video) {
      status_.video_codecs = d.codecs;
      status_.width = d.width;
      status_.height = d.height;
      status_.frame_rate = d.frame_rate;
    } else {
      status_.audio_codecs = d.codecs;
    }
  }
}

void LiveChannel::finalize_on_strand() {
  if (finished_) return;
  close_period();
  finished_ = true;
  if (hold_timer_) hold_timer_->cancel();
  ++generation_;  // late events from the old stream are ignored
  reader_.reset();
  publish_snapshot();
  {
    std::lock_guard lock(snapshot_mutex_);
    status_.publishing = false;
  }
  log_.info("live", "ended channel={} segments={}", channel_.name, status_.segments);
  if (!recording_) return;
  package::Presentation whole = presentation(true);
  {
    // Rungs with holes (shed for a while) are left out of the recording's
    // manifests; their files stay on disk.
    const package::TrackDescription* reference = nullptr;
    for (const auto& t : whole.tracks) {
      if (t.id == "v0") reference = &t;
    }
    std::vector<package::TrackDescription> kept;
    for (const auto& t : whole.tracks) {
      const bool rung = t.kind == TrackKind::video && t.id != "v0";
      if (!rung || (reference && !t.segments.empty() && rung_complete(t, *reference))) kept.push_back(t);
    }
    whole.tracks = std::move(kept);
  }
  RecordingSummary summary;
  for (const auto& track : tracks_) {
    if (track.description.id == "v0" || summary.duration_ms == 0) {
      summary.duration_ms = static_cast<std::int64_t>(track.total_seconds * 1000);
    }
    if (track.description.id == "v0") {
      summary.width = track.description.width;
      summary.height = track.description.height;
    }
  }
  // Segments lost to a full disk become gaps; a video with nothing left is a failure.
  const std::size_t missing = recording_->mark_missing(whole);
  std::size_t stored = 0;
  for (const auto& track : whole.tracks) {
    if (track.kind != TrackKind::video) continue;
    for (const auto& segment : track.segments) stored += segment.missing ? 0 : 1;
  }
  try {
    if (stored > 0 && recording_->finalize(whole)) {
      const package::TrackDescription* passthrough = nullptr;
      for (const auto& t : whole.tracks) {
        if (t.id == "v0") passthrough = &t;
      }
      // The poster and storyboard come first (short tasks on the pool), then
      // the video turns ready, back on the strand.
      thumbnails_.write_recording(
          recording_->directory(), passthrough, static_cast<double>(summary.duration_ms) / 1000.0,
          [self = shared_from_this(), summary, missing](std::string extras) mutable {
            net::post(
                self->strand_, [self, summary = std::move(summary), extras = std::move(extras), missing]() mutable {
                  summary.extras = std::move(extras);
                  try {
                    self->recordings_.finish_recording(self->recording_id_, summary);
                    self->log_.info("live", "recording ready channel={} video={} duration_ms={} missing_segments={}",
                                    self->channel_.name, self->recording_id_, summary.duration_ms, missing);
                  } catch (const std::exception& e) {
                    self->log_.error("live", "recording finalize failed channel={} video={} error=\"{}\"",
                                     self->channel_.name, self->recording_id_, e.what());
                  }
                });
          });
    } else {
      log_.error("live", "recording failed channel={} video={} stored_video_segments={} missing_segments={}",
                 channel_.name, recording_id_, stored, missing);
      recordings_.fail_recording(recording_id_, "the recording could not be written (disk full?)");
    }
  } catch (const std::exception& e) {
    log_.error("live", "recording finalize failed channel={} video={} error=\"{}\"", channel_.name, recording_id_,
               e.what());
  }
}

}  // namespace tidecast::live
