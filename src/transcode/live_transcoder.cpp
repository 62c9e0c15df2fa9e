#include "transcode/live_transcoder.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>

#include "media/avc.hpp"
#include "transcode/frame_rate_guess.hpp"
#include "transcode/frame_timing.hpp"
#include "transcode/input_watch.hpp"
#include "transcode/load_governor.hpp"

namespace tidecast::transcode {

// The threading core of LadderTranscoder (behaviour: see the header): the input
// queue, decode and per-rung encode tasks on the pool, and the mutex that ties
// them together. The policies it applies are plain classes beside it:
// load_governor (shed/restore), frame_timing (encoder clock, IDR placement),
// frame_rate_guess and input_watch (bad-input counts and log lines).

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kDecodeBatch = 8;  // packets per decode task before yielding the thread
constexpr std::size_t kRungBatch = 4;    // frames per rung task before yielding the thread
constexpr std::size_t kMaxTrackedTimestamps = 4096;

struct Item {
  enum class Kind { frame, shed, finish } kind = Kind::frame;
  SharedFrame frame;
  std::int64_t source_pts = 0;
  std::int64_t encoder_pts = 0;
  double clock = 0;  // input media clock of the frame's packet
  bool force_idr = false;
};

struct RateWindow {
  Clock::time_point start = Clock::now();
  std::uint64_t frames = 0;
  double media = 0;
  double fps = 0;
  double speed = 0;
  void add(double media_seconds) {
    ++frames;
    media += media_seconds;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (elapsed >= 2.0) {
      fps = static_cast<double>(frames) / elapsed;
      speed = media / elapsed;
      start = Clock::now();
      frames = 0;
      media = 0;
    }
  }
};

}  // namespace

struct LadderTranscoder::Impl : std::enable_shared_from_this<LadderTranscoder::Impl> {
  struct Rung {
    RungPlan plan;
    // Under Impl::mutex_.
    std::deque<Item> queue;
    bool scheduled = false;
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    double done_clock = 0;
    RateWindow rate;
    // Worker-only (one task per rung at a time).
    std::unique_ptr<RungEncoder> encoder;
    Bytes sent_avcc;
    bool announce_restore = false;
    bool failed = false;
    std::deque<std::int64_t> dts_slots;           // source PTS in input order
    std::map<std::int64_t, std::int64_t> pts_of;  // x264 pts -> source pts
    std::int64_t last_source_pts = 0;
    std::vector<EncodedPacket> out;
  };

  Impl(const VideoSourceSpec& spec, const LadderConfig& config, double segment_seconds, Executor executor,
       LadderCallbacks callbacks, LadderOptions options)
      : spec_(spec),
        config_(config),
        options_(std::move(options)),
        executor_(executor),
        callbacks_(std::move(callbacks)),
        input_watch_(mutex_, spec.timescale, options_.log, options_.name),
        decoder_(spec, options_.decoder_threads),
        timing_(spec.timescale, segment_seconds, options_.caller_cuts) {
    if (spec.timescale == 0) throw TranscodeError("transcode: timescale must not be 0");
    frame_rate_ = spec.frame_rate;
    for (auto& plan : plan_ladder(config, spec.width, spec.height, options_.cpu_threads, spec.sar_num, spec.sar_den)) {
      auto rung = std::make_unique<Rung>();
      if (options_.x264_threads >= 0) plan.x264_threads = options_.x264_threads;
      plan.low_latency = options_.low_latency;
      rung->plan = std::move(plan);
      plans_.push_back(rung->plan);
      rungs_.push_back(std::move(rung));
    }
    governor_.emplace(plans_, config.shed_queue_seconds, config.restore_after_seconds, options_.log, options_.name);
    if (options_.log) {
      std::string list;
      for (const auto& plan : plans_) {
        list += fmt::format("{}{}={}x{}@{}k/t{}", list.empty() ? "" : ",", plan.rung.name, plan.width, plan.height,
                            plan.rung.video_bitrate_kbps, plan.x264_threads);
      }
      options_.log->info("transcode", "ladder stream={} source={}x{} {} rungs={}", options_.name, spec.width,
                         spec.height, decoder_.codec_name(), list.empty() ? "none" : list);
    }
  }

  // ---- producer side -------------------------------------------------------

  void push(media::PacketPtr packet, bool segment_start) {
    if (!packet || packet->kind != media::TrackKind::video || packet->data.empty()) return;
    std::lock_guard lock(mutex_);
    if (stopped_ || flush_requested_) return;
    ++packets_;
    const std::int64_t ts = rescale_in(packet->dts, packet->timescale);
    if (last_input_dts_) {
      const double step = static_cast<double>(ts - *last_input_dts_) / spec_.timescale;
      input_clock_ += std::clamp(step, 0.0, 1.0);
    }
    last_input_dts_ = ts;
    input_.push_back({std::move(packet), input_clock_, segment_start});
    if (options_.allow_shedding) governor_->check(queue_seconds_locked(), input_clock_);
    if (options_.allow_shedding && queue_seconds_locked() > 2 * config_.shed_queue_seconds) drop_gops_locked();
    schedule_decode_locked();
  }

  void flush(std::function<void()> done) {
    std::unique_lock lock(mutex_);
    if (failed_) {
      lock.unlock();
      if (done) done();
      return;
    }
    flush_requested_ = true;
    flush_done_ = std::move(done);
    schedule_decode_locked();
  }

  void wait_for_queue_below(double seconds) {
    std::unique_lock lock(mutex_);
    queue_cv_.wait(lock, [&] { return stopped_ || queue_seconds_locked() < seconds; });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    queue_cv_.notify_all();
    std::unique_lock wait_for_callbacks(callback_mutex_);
  }

  LadderStats stats() const {
    std::lock_guard lock(mutex_);
    LadderStats s;
    s.input_queue_seconds = queue_seconds_locked();
    s.packets = packets_;
    s.decoded_frames = decoded_frames_;
    s.decode_errors = input_watch_.decode_errors();
    s.dropped_packets = dropped_packets_;
    s.skipped_packets = skipped_packets_;
    s.size_changes = input_watch_.size_changes();
    s.timestamp_jumps = input_watch_.timestamp_jumps();
    s.corrupt_frames = input_watch_.corrupt_frames();
    s.failed = failed_;
    for (std::size_t i = 0; i < rungs_.size(); ++i) {
      const Rung* rung = rungs_[i].get();
      RungStats r;
      r.name = rung->plan.rung.name;
      r.width = rung->plan.width;
      r.height = rung->plan.height;
      r.active = governor_->fed(i);
      r.shed_count = governor_->shed_count(i);
      r.frames = rung->frames;
      r.bytes = rung->bytes;
      r.fps = rung->rate.fps;
      r.speed = rung->rate.speed;
      r.queue_seconds = r.active ? std::max(0.0, input_clock_ - rung->done_clock) : 0.0;
      s.rungs.push_back(std::move(r));
    }
    return s;
  }

  // ---- decode stage --------------------------------------------------------

  std::int64_t rescale_in(std::int64_t value, std::uint32_t timescale) const {
    if (timescale == spec_.timescale || timescale == 0) return value;
    return av_rescale_q(value, AVRational{1, static_cast<int>(timescale)},
                        AVRational{1, static_cast<int>(spec_.timescale)});
  }

  double queue_seconds_locked() const {
    if (input_.empty()) return 0;
    return std::max(0.0, input_clock_ - input_.front().clock);
  }

  void schedule_decode_locked() {
    if (decode_scheduled_ || decode_blocked_ || stopped_) return;
    decode_scheduled_ = true;
    boost::asio::post(executor_, [self = shared_from_this()] { self->run_decode(); });
  }

  bool backlog_full_locked() const {
    for (std::size_t i = 0; i < rungs_.size(); ++i) {
      if (governor_->fed(i) && rungs_[i]->queue.size() >= options_.rung_queue_frames) return true;
    }
    return false;
  }

  // Overflow: keep the queue from the last keyframe on (or nothing).
  void drop_gops_locked() {
    std::size_t keep_from = input_.size();
    for (std::size_t i = input_.size(); i-- > 1;) {
      if (input_[i].packet->keyframe) {
        keep_from = i;
        break;
      }
    }
    if (keep_from == 0) return;
    dropped_packets_ += keep_from;
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(keep_from));
    resync_ = true;
    if (dropped_events_++ == 0 && options_.log) {
      options_.log->warn("transcode", "input queue overflow stream={} dropped_packets={} (whole GOPs)", options_.name,
                         keep_from);
    }
  }

  void run_decode() {
    try {
      decode_some();
    } catch (const std::exception& e) {
      // Out of memory or a broken invariant: stop this stream's ladder, keep the process.
      if (options_.log) options_.log->error("transcode", "stopped stream={} error=\"{}\"", options_.name, e.what());
      std::function<void()> done;
      {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        failed_ = true;
        decode_scheduled_ = false;
        done = std::move(flush_done_);
      }
      if (done) done();  // the caller is still waiting for it
    }
    queue_cv_.notify_all();
  }

  void decode_some() {
    for (std::size_t n = 0; n < kDecodeBatch; ++n) {
      Queued queued;
      bool resync = false;
      {
        std::lock_guard lock(mutex_);
        if (stopped_) {
          decode_scheduled_ = false;
          return;
        }
        if (backlog_full_locked()) {
          decode_blocked_ = true;
          decode_scheduled_ = false;
          return;
        }
        if (input_.empty()) {
          decode_scheduled_ = false;
          if (!flush_requested_ || flush_started_) return;
          flush_started_ = true;
          decode_scheduled_ = true;  // keep others out while flushing below
        } else {
          queued = std::move(input_.front());
          input_.pop_front();
          resync = std::exchange(resync_, false);
        }
      }
      queue_cv_.notify_all();
      if (!queued.packet) {
        finish_decoding();
        return;
      }
      if (resync) await_keyframe_ = true;
      decode_packet(*queued.packet, queued.clock, queued.segment_start);
    }
    std::lock_guard lock(mutex_);
    decode_scheduled_ = false;
    schedule_decode_locked();
  }

  void decode_packet(const media::Packet& packet, double clock, bool segment_start) {
    if (await_keyframe_) {
      if (!packet.keyframe) {
        std::lock_guard lock(mutex_);
        ++skipped_packets_;
        return;
      }
      await_keyframe_ = false;
      decoder_.reset();
    }
    const std::int64_t pts = rescale_in(packet.pts, packet.timescale);
    const std::int64_t dts = rescale_in(packet.dts, packet.timescale);
    if (segment_start) cut_pts_.insert(pts);
    if (packet.keyframe) {
      keyframes_.insert(pts);
      if (!source_cts_) source_cts_ = std::clamp<std::int64_t>(pts - dts, 0, 2 * spec_.timescale);
    }
    clock_of_.emplace(pts, clock);
    trim_tracking();
    frames_.clear();
    try {
      decoder_.decode(packet.data, pts, dts, packet.keyframe, frames_);
    } catch (const TranscodeError& e) {
      input_watch_.note_decode_error(e.what());
      await_keyframe_ = true;
    }
    for (auto& frame : frames_) dispatch(std::move(frame), clock);
  }

  void trim_tracking() {
    while (keyframes_.size() > kMaxTrackedTimestamps) keyframes_.erase(keyframes_.begin());
    while (clock_of_.size() > kMaxTrackedTimestamps) clock_of_.erase(clock_of_.begin());
    while (cut_pts_.size() > kMaxTrackedTimestamps) cut_pts_.erase(cut_pts_.begin());
  }

  void finish_decoding() {
    frames_.clear();
    try {
      decoder_.flush(frames_);
    } catch (const TranscodeError& e) {
      if (options_.log)
        options_.log->warn("transcode", "decoder flush stream={} error=\"{}\"", options_.name, e.what());
    }
    for (auto& frame : frames_) dispatch(std::move(frame), input_clock_snapshot());
    if (!held_.empty()) release_held();
    std::function<void()> done;
    {
      std::lock_guard lock(mutex_);
      pending_finish_ = rungs_.size();
      for (std::size_t i = 0; i < rungs_.size(); ++i) {
        Item item;
        item.kind = Item::Kind::finish;
        enqueue_locked(i, std::move(item));
      }
      if (rungs_.empty()) done = std::move(flush_done_);
    }
    if (done) notify(done);
  }

  double input_clock_snapshot() {
    std::lock_guard lock(mutex_);
    return input_clock_;
  }

  // Decides the IDR rule for one decoded frame and hands it to the rungs.
  // Frames wait here while the source frame rate is unknown (no VUI timing,
  // no metadata): the first kFrameRateFrames give an estimate, so rung
  // manifests never advertise the encoder's time base as a frame rate.
  void dispatch(FramePtr decoded, double clock) {
    if (frame_rate_ > 0) {
      dispatch_now(std::move(decoded), clock);
      return;
    }
    held_.emplace_back(std::move(decoded), clock);
    if (held_.size() >= kFrameRateFrames) release_held();
  }

  void release_held() {
    std::vector<std::int64_t> pts;
    pts.reserve(held_.size());
    for (const auto& [frame, clock] : held_) pts.push_back(frame->pts);
    if (const double guess = guess_frame_rate(pts, spec_.timescale); guess > 0) frame_rate_ = guess;
    // Still unknown: -1, and dispatch() holds the next kFrameRateFrames for another try.
    if (frame_rate_ <= 0) frame_rate_ = -1;
    auto held = std::move(held_);
    held_.clear();
    for (auto& [frame, clock] : held) dispatch_now(std::move(frame), clock);
  }

  void dispatch_now(FramePtr decoded, double fallback_clock) {
    // A frame without any timestamp continues one step after the previous one.
    if (decoded->pts == AV_NOPTS_VALUE) decoded->pts = timing_.pts_after_last();
    const std::int64_t pts = decoded->pts;
    const bool source_key = keyframes_.erase(pts) > 0;
    const bool caller_cut = cut_pts_.erase(pts) > 0;
    double clock = fallback_clock;
    if (auto it = clock_of_.find(pts); it != clock_of_.end()) {
      clock = it->second;
      clock_of_.erase(clock_of_.begin(), std::next(it));
    }
    if (!timing_.started()) {
      if (!source_key) {
        std::lock_guard lock(mutex_);
        ++skipped_packets_;
        return;
      }
      input_watch_.start(decoded->width, decoded->height);
      timing_.start(pts);
    }
    const bool corrupt = (decoded->flags & AV_FRAME_FLAG_CORRUPT) != 0 || decoded->decode_error_flags != 0;
    input_watch_.note_frame(decoded->width, decoded->height, timing_.step_to(pts), corrupt);
    const auto [encoder_pts, force] = timing_.next(pts, source_key, caller_cut);

    SharedFrame frame(std::move(decoded));
    if (callbacks_.on_source_frame) notify([&] { callbacks_.on_source_frame(frame); });
    std::lock_guard lock(mutex_);
    ++decoded_frames_;
    for (std::size_t i = 0; i < rungs_.size(); ++i) {
      // Sheds and restores take effect at aligned IDRs only.
      if (force && governor_->switch_at_idr(i)) {
        Item item;
        item.kind = Item::Kind::shed;
        enqueue_locked(i, std::move(item));
        continue;
      }
      if (!governor_->fed(i)) continue;
      Item item;
      item.frame = frame;
      item.source_pts = pts;
      item.encoder_pts = encoder_pts;
      item.clock = clock;
      item.force_idr = force;
      enqueue_locked(i, std::move(item));
    }
  }

  // ---- rung stage ----------------------------------------------------------

  void enqueue_locked(std::size_t index, Item item) {
    Rung& rung = *rungs_[index];
    rung.queue.push_back(std::move(item));
    if (rung.scheduled || stopped_) return;
    rung.scheduled = true;
    boost::asio::post(executor_, [self = shared_from_this(), index] { self->run_rung(index); });
  }

  void run_rung(std::size_t index) {
    Rung& rung = *rungs_[index];
    for (std::size_t n = 0; n < kRungBatch; ++n) {
      Item item;
      {
        std::lock_guard lock(mutex_);
        if (stopped_ || rung.queue.empty()) {
          rung.scheduled = false;
          return;
        }
        item = std::move(rung.queue.front());
        rung.queue.pop_front();
        if (decode_blocked_ && !backlog_full_locked()) {
          decode_blocked_ = false;
          schedule_decode_locked();
        }
      }
      process(index, rung, item);
    }
    std::lock_guard lock(mutex_);
    if (rung.queue.empty() || stopped_) {
      rung.scheduled = false;
      return;
    }
    boost::asio::post(executor_, [self = shared_from_this(), index] { self->run_rung(index); });
  }

  void process(std::size_t index, Rung& rung, Item& item) {
    if (item.kind != Item::Kind::frame) {
      close_encoder(index, rung);
      if (item.kind == Item::Kind::shed) {
        notify([&] {
          if (callbacks_.on_rung_state) callbacks_.on_rung_state(index, false);
        });
        return;
      }
      std::function<void()> done;
      {
        std::lock_guard lock(mutex_);
        if (--pending_finish_ == 0) done = std::move(flush_done_);
      }
      if (done) notify(done);
      return;
    }
    if (rung.failed) return;
    rung.out.clear();
    try {
      if (!rung.encoder) open_encoder(index, rung);
      rung.dts_slots.push_back(item.source_pts);
      rung.pts_of.emplace(item.encoder_pts, item.source_pts);
      rung.encoder->encode(item.frame.get(), item.encoder_pts, item.force_idr, rung.out);
    } catch (const std::exception& e) {
      fail_rung(index, rung, e.what());
      return;
    }
    item.frame.reset();
    emit(index, rung);
    std::lock_guard lock(mutex_);
    ++rung.frames;
    const double step = static_cast<double>(std::max<std::int64_t>(0, item.source_pts - rung.last_source_pts));
    rung.rate.add(rung.frames > 1 ? std::min(step / spec_.timescale, 1.0) : 0.0);
    rung.last_source_pts = item.source_pts;
    rung.done_clock = item.clock;
  }

  void open_encoder(std::size_t index, Rung& rung) {
    rung.encoder = std::make_unique<RungEncoder>(rung.plan, spec_.timescale, frame_rate_.load());
    rung.dts_slots.clear();
    rung.pts_of.clear();
    if (rung.announce_restore) {
      rung.announce_restore = false;
      notify([&] {
        if (callbacks_.on_rung_state) callbacks_.on_rung_state(index, true);
      });
    }
    if (rung.encoder->avcc() == rung.sent_avcc) return;
    rung.sent_avcc = rung.encoder->avcc();
    media::StreamInfo info;
    info.video = media::avc_video_config(rung.sent_avcc);
    // x264 signals the encoder's time base in the VUI; the real rate is the source's.
    info.video->frame_rate = std::max(0.0, frame_rate_.load());
    notify([&] {
      if (callbacks_.on_rung_info) callbacks_.on_rung_info(index, info);
    });
  }

  void close_encoder(std::size_t index, Rung& rung) {
    if (!rung.encoder) return;
    rung.out.clear();
    try {
      rung.encoder->flush(rung.out);
    } catch (const std::exception& e) {
      if (options_.log) {
        options_.log->warn("transcode", "encoder flush stream={} rung={} error=\"{}\"", options_.name,
                           rung.plan.rung.name, e.what());
      }
    }
    emit(index, rung);
    rung.encoder.reset();
    rung.announce_restore = true;
  }

  void fail_rung(std::size_t index, Rung& rung, const std::string& error) {
    if (options_.log) {
      options_.log->error("transcode", "rung failed stream={} rung={} error=\"{}\" (rung disabled)", options_.name,
                          rung.plan.rung.name, error);
    }
    rung.encoder.reset();
    rung.failed = true;
    {
      std::lock_guard lock(mutex_);
      governor_->mark_failed(index);
    }
    notify([&] {
      if (callbacks_.on_rung_state) callbacks_.on_rung_state(index, false);
    });
  }

  void emit(std::size_t index, Rung& rung) {
    const std::int64_t cts = source_cts_.value_or(0);
    std::uint64_t bytes = 0;
    for (auto& encoded : rung.out) {
      auto packet = std::make_shared<media::Packet>();
      packet->kind = media::TrackKind::video;
      packet->timescale = spec_.timescale;
      packet->keyframe = encoded.keyframe;
      std::int64_t source_pts = encoded.pts;
      if (auto it = rung.pts_of.find(encoded.pts); it != rung.pts_of.end()) {
        source_pts = it->second;
        rung.pts_of.erase(it);
      }
      std::int64_t dts_base = source_pts;
      if (!rung.dts_slots.empty()) {
        dts_base = rung.dts_slots.front();
        rung.dts_slots.pop_front();
      }
      packet->pts = source_pts;
      packet->dts = dts_base - cts;
      packet->data = std::move(encoded.data);
      bytes += packet->data.size();
      notify([&] {
        if (callbacks_.on_rung_packet) callbacks_.on_rung_packet(index, std::move(packet));
      });
    }
    rung.out.clear();
    if (bytes > 0) {
      std::lock_guard lock(mutex_);
      rung.bytes += bytes;
    }
  }

  template <class F>
  void notify(F&& f) {
    std::shared_lock lock(callback_mutex_);
    {
      std::lock_guard state(mutex_);
      if (stopped_) return;
    }
    try {
      f();
    } catch (const std::exception& e) {
      // A callback must not throw; never let it unwind into the pool.
      if (callback_errors_.fetch_add(1) == 0 && options_.log) {
        options_.log->error("transcode", "callback failed stream={} error=\"{}\"", options_.name, e.what());
      }
    }
  }

  struct Queued {
    media::PacketPtr packet;
    double clock = 0;
    bool segment_start = false;
  };

  const VideoSourceSpec spec_;
  const LadderConfig config_;
  LadderOptions options_;
  Executor executor_;
  const LadderCallbacks callbacks_;
  std::vector<RungPlan> plans_;
  std::vector<std::unique_ptr<Rung>> rungs_;

  mutable std::mutex mutex_;
  std::condition_variable queue_cv_;
  std::shared_mutex callback_mutex_;
  std::atomic<std::uint64_t> callback_errors_{0};
  std::deque<Queued> input_;
  double input_clock_ = 0;
  std::optional<std::int64_t> last_input_dts_;
  bool decode_scheduled_ = false;
  bool decode_blocked_ = false;
  bool stopped_ = false;
  bool failed_ = false;  // stopped by an internal error (see run_decode)
  bool flush_requested_ = false;
  bool flush_started_ = false;
  bool resync_ = false;  // GOPs were dropped: the decode stage resumes at a keyframe
  std::function<void()> flush_done_;
  std::size_t pending_finish_ = 0;
  std::uint64_t packets_ = 0;
  std::uint64_t decoded_frames_ = 0;
  std::uint64_t dropped_packets_ = 0;
  std::uint64_t dropped_events_ = 0;
  std::uint64_t skipped_packets_ = 0;
  std::optional<LoadGovernor> governor_;  // set once the rungs are planned
  InputWatch input_watch_;                // its counters are under mutex_ too

  // Decode stage only.
  VideoDecoder decoder_;
  std::vector<FramePtr> frames_;
  // Source's, or estimated; -1 = unknown (see dispatch). Set on the decode
  // task, read by rung tasks opening an encoder: a later estimate may land
  // while they run.
  std::atomic<double> frame_rate_{0};
  std::vector<std::pair<FramePtr, double>> held_;
  std::set<std::int64_t> keyframes_;
  std::set<std::int64_t> cut_pts_;  // source PTS the caller marked as segment starts (caller_cuts)
  std::map<std::int64_t, double> clock_of_;
  std::optional<std::int64_t> source_cts_;
  bool await_keyframe_ = true;  // start (and resume after errors/drops) on a keyframe
  FrameTiming timing_;
};

LadderTranscoder::LadderTranscoder(const media::StreamInfo& source, std::uint32_t timescale, const LadderConfig& config,
                                   double segment_seconds, Executor executor, LadderCallbacks callbacks,
                                   LadderOptions options) {
  if (!source.video) throw TranscodeError("transcode: the stream has no video");
  impl_ = std::make_shared<Impl>(video_source_spec(*source.video, timescale), config, segment_seconds, executor,
                                 std::move(callbacks), std::move(options));
}

LadderTranscoder::LadderTranscoder(const VideoSourceSpec& source, const LadderConfig& config, double segment_seconds,
                                   Executor executor, LadderCallbacks callbacks, LadderOptions options)
    : impl_(std::make_shared<Impl>(source, config, segment_seconds, executor, std::move(callbacks),
                                   std::move(options))) {}

LadderTranscoder::~LadderTranscoder() {
  if (impl_) impl_->stop();
}

const std::vector<RungPlan>& LadderTranscoder::rungs() const {
  return impl_->plans_;
}
void LadderTranscoder::push(media::PacketPtr packet, bool segment_start) {
  impl_->push(std::move(packet), segment_start);
}
void LadderTranscoder::flush(std::function<void()> done) {
  impl_->flush(std::move(done));
}
void LadderTranscoder::wait_for_queue_below(double seconds) {
  impl_->wait_for_queue_below(seconds);
}
LadderStats LadderTranscoder::stats() const {
  return impl_->stats();
}

}  // namespace tidecast::transcode
