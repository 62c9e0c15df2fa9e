#pragma once
// Server-Sent Events for the web UI (GET /api/v1/events): one timer looks at
// the catalog (videos, conversion jobs) and the live channels every period,
// compares with what it saw last time and fans the differences out to every
// subscribed stream as `job`, `video` and `live` events. A new subscriber
// first gets the current state (live channels, unfinished jobs). Nothing is
// polled while nobody listens.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "catalog/job_repository.hpp"
#include "catalog/video_repository.hpp"
#include "core/log.hpp"
#include "http/response_stream.hpp"

namespace tidecast::api {

// Where the hub looks. Each is called on an io thread, at most once per period.
struct EventSources {
  std::function<std::vector<catalog::Video>()> videos;   // recent videos, any state
  std::function<std::vector<catalog::Job>()> jobs;       // recent jobs
  std::function<std::vector<std::string>()> live;        // channels publishing now
};

// Which videos (and their jobs) one subscriber may hear about.
using VideoFilter = std::function<bool(const catalog::Video&)>;

class EventHub {
 public:
  EventHub(boost::asio::io_context& ioc, core::Logger& log, EventSources sources,
           std::chrono::milliseconds period = std::chrono::milliseconds(500));
  ~EventHub();

  void start();
  // Ends every stream and the timer (before the io threads are asked to run dry).
  void stop();
  void subscribe(std::shared_ptr<http::ResponseStream> stream, VideoFilter filter);
  std::size_t subscribers() const;
  // One look and fan-out (the timer calls it; tests may too).
  void poll();

 private:
  struct Subscriber {
    std::shared_ptr<http::ResponseStream> stream;
    VideoFilter filter;
    bool fresh = true;  // has not had the current state yet
  };
  struct Seen {
    std::map<std::string, std::string, std::less<>> jobs;    // video id -> job event JSON
    std::map<std::string, catalog::Video, std::less<>> videos;
    std::map<std::string, bool, std::less<>> live;            // channel -> live
  };

  void arm();
  // One look at the sources; nullopt (logged once) when they fail.
  std::optional<Seen> look();

  boost::asio::io_context& ioc_;
  core::Logger& log_;
  EventSources sources_;
  std::chrono::milliseconds period_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  mutable std::mutex mutex_;  // subscribers_ and seen_
  std::vector<Subscriber> subscribers_;
  Seen seen_;
  bool have_baseline_ = false;  // seen_ is a real look (false while nobody listens)
  bool stopped_ = false;
  std::atomic<bool> failing_{false};  // a look failed: logged once until one succeeds
};

}  // namespace tidecast::api
