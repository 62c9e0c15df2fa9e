#include "api/event_hub.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace tidecast::api {

namespace {

nlohmann::json rounded(const std::optional<double>& value, double step) {
  return value ? nlohmann::json(std::round(*value / step) * step) : nlohmann::json(nullptr);
}

std::string job_event(const catalog::Job& job) {
  return nlohmann::json{{"video_id", job.video_id},
                        {"state", catalog::to_string(job.state)},
                        {"progress", std::round(job.progress * 10) / 10},
                        {"fps", rounded(job.fps, 0.1)},
                        {"eta_seconds", rounded(job.eta_seconds, 1)},
                        {"error", job.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.error)}}
      .dump();
}

std::string video_event(std::string_view id, std::string_view state) {
  return nlohmann::json{{"id", id}, {"state", state}}.dump();
}

std::string live_event(std::string_view channel, bool live) {
  return nlohmann::json{{"channel", channel}, {"live", live}}.dump();
}

}  // namespace

EventHub::EventHub(boost::asio::io_context& ioc, core::Logger& log, EventSources sources,
                   std::chrono::milliseconds period)
    : ioc_(ioc), log_(log), sources_(std::move(sources)), period_(period) {}

EventHub::~EventHub() { stop(); }

void EventHub::start() {
  std::lock_guard lock(mutex_);
  stopped_ = false;
  timer_ = std::make_unique<boost::asio::steady_timer>(ioc_);
  arm();
}

void EventHub::arm() {
  timer_->expires_after(period_);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    poll();
    std::lock_guard lock(mutex_);
    if (!stopped_) arm();
  });
}

void EventHub::stop() {
  std::vector<Subscriber> ended;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    if (timer_) timer_->cancel();
    ended.swap(subscribers_);
  }
  for (auto& s : ended) s.stream->end();
}

void EventHub::subscribe(std::shared_ptr<http::ResponseStream> stream, VideoFilter filter) {
  stream->push("retry: 3000\n\n");  // EventSource: reconnect after 3 s
  bool need_baseline = false;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return stream->end();
    need_baseline = !have_baseline_;
  }
  // The hub was idle: what exists now is the baseline, so anything that
  // changes from here on (even before the next tick) counts as a change.
  std::optional<Seen> baseline;
  if (need_baseline) baseline = look();
  std::lock_guard lock(mutex_);
  if (baseline && !have_baseline_) {
    seen_ = std::move(*baseline);
    have_baseline_ = true;
  }
  subscribers_.push_back({std::move(stream), std::move(filter), true});
}

std::size_t EventHub::subscribers() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

std::optional<EventHub::Seen> EventHub::look() {
  Seen now;
  try {
    for (auto& v : sources_.videos()) {
      auto id = v.id;
      now.videos.emplace(std::move(id), std::move(v));
    }
    // Newest first: the first job seen for a video is its latest.
    for (const auto& job : sources_.jobs()) now.jobs.try_emplace(job.video_id, job_event(job));
    for (const auto& channel : sources_.live()) now.live[channel] = true;
  } catch (const std::exception& e) {
    if (!failing_.exchange(true)) log_.warn("events", "look failed error=\"{}\"", e.what());
    return std::nullopt;
  }
  if (failing_.exchange(false)) log_.info("events", "catalog readable again");
  return now;
}

void EventHub::poll() {
  {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [](const Subscriber& s) { return s.stream->closed(); });
    if (subscribers_.empty()) {
      seen_ = {};  // nobody listens: look again only when someone does
      have_baseline_ = false;
      return;
    }
  }
  auto looked = look();
  if (!looked) return;
  Seen now = std::move(*looked);

  struct Event {
    std::string name;
    std::string data;
    const catalog::Video* video = nullptr;  // null: everyone may see it
    bool snapshot = false;                  // part of the current state for new subscribers
    bool change = false;                    // differs from the last look
  };
  std::lock_guard lock(mutex_);
  std::vector<Event> events;
  const auto video_of = [&](const std::string& id) -> const catalog::Video* {
    const auto it = now.videos.find(id);
    return it == now.videos.end() ? nullptr : &it->second;
  };
  for (const auto& [channel, live] : now.live) {
    events.push_back({"live", live_event(channel, live), nullptr, true, !seen_.live.contains(channel)});
  }
  for (const auto& [channel, live] : seen_.live) {
    if (!now.live.contains(channel)) events.push_back({"live", live_event(channel, false), nullptr, false, true});
  }
  for (const auto& [id, video] : now.videos) {
    const auto it = seen_.videos.find(id);
    const bool changed = it == seen_.videos.end() || it->second.state != video.state;
    const bool unfinished =
        video.state == catalog::VideoState::pending || video.state == catalog::VideoState::processing;
    events.push_back({"video", video_event(id, catalog::to_string(video.state)), &video, unfinished, changed});
  }
  for (const auto& [id, video] : seen_.videos) {
    // Gone from the recent list: deleted (or pushed out by many newer ones).
    if (!now.videos.contains(id)) events.push_back({"video", video_event(id, "deleted"), &video, false, true});
  }
  for (const auto& [id, data] : now.jobs) {
    const auto it = seen_.jobs.find(id);
    const bool changed = it == seen_.jobs.end() || it->second != data;
    const auto* video = video_of(id);
    const bool unfinished = video && (video->state == catalog::VideoState::pending ||
                                      video->state == catalog::VideoState::processing);
    if (video) events.push_back({"job", data, video, unfinished, changed});
  }
  const bool first_look = !have_baseline_;

  for (auto& s : subscribers_) {
    std::string out;
    for (const auto& e : events) {
      if (!(s.fresh ? e.snapshot || (e.change && !first_look) : e.change)) continue;
      if (e.video && s.filter && !s.filter(*e.video)) continue;
      out += http::sse_event(e.name, e.data);
    }
    s.fresh = false;
    if (!out.empty()) s.stream->push(std::move(out));
  }
  seen_ = std::move(now);  // after the fan-out: the events point into both looks
  have_baseline_ = true;
  std::erase_if(subscribers_, [](const Subscriber& s) { return s.stream->closed(); });
}

}  // namespace tidecast::api
