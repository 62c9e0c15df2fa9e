#pragma once
// View counts: POST /api/v1/videos/{id}/views, the watch page's beacon once
// playback has really started (its first 'playing' event).
//
// Why a beacon and not the master playlist request: a playlist is also fetched
// by previews, prefetchers, link unfurlers and players that never start, and
// in a cluster it may be answered by a cache; 'playing' means a picture moved.
// Players outside the web UI (VLC, ffmpeg) are not counted; that is the price.
//
// A view counts once per viewer address per video per 30 min
// (api/view_counter.hpp); counted views are written in one transaction every
// couple of seconds, never one SQL write per request or segment.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>

#include "api/auth.hpp"
#include "api/view_counter.hpp"
#include "catalog/video_repository.hpp"
#include "core/log.hpp"
#include "core/log_throttle.hpp"
#include "http/router.hpp"

namespace tidecast::api {

struct ViewRecorderOptions {
  ViewCounterOptions counter;
  std::chrono::milliseconds flush_every{2000};
};

class ViewRecorder {
 public:
  ViewRecorder(boost::asio::io_context& ioc, catalog::VideoRepository& videos, core::Logger& log,
               ViewRecorderOptions options = ViewRecorderOptions());
  ~ViewRecorder();

  void start();
  // Cancels the timer and writes what is pending.
  void stop();
  // True when the view counts (first from this viewer for this video lately).
  bool record(std::string_view video_id, std::string_view viewer) { return counter_.record(video_id, viewer); }
  // Writes the pending counts; on a catalog failure they wait for the next flush.
  void flush();

 private:
  void arm();

  boost::asio::io_context& ioc_;
  catalog::VideoRepository& videos_;
  core::Logger& log_;
  ViewRecorderOptions options_;
  ViewCounter counter_;
  core::LogThrottle flush_errors_;
  std::mutex mutex_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool stopped_ = true;
};

// POST /api/v1/videos/{id}/views: 202 {"counted": true|false}; 404 for a video
// the caller cannot see or that is not ready.
void add_view_routes(http::Router& router, ViewRecorder& recorder, catalog::VideoRepository& videos,
                     const Authenticator& auth, core::Logger& log);

}  // namespace tidecast::api
