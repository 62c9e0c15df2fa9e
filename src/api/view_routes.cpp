#include "api/view_routes.hpp"

#include <nlohmann/json.hpp>

namespace tidecast::api {

ViewRecorder::ViewRecorder(boost::asio::io_context& ioc, catalog::VideoRepository& videos, core::Logger& log,
                           ViewRecorderOptions options)
    : ioc_(ioc), videos_(videos), log_(log), options_(options), counter_(options.counter) {}

ViewRecorder::~ViewRecorder() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  if (timer_) timer_->cancel();
}

void ViewRecorder::start() {
  std::lock_guard lock(mutex_);
  stopped_ = false;
  timer_ = std::make_unique<boost::asio::steady_timer>(ioc_);
  arm();
}

void ViewRecorder::arm() {
  timer_->expires_after(options_.flush_every);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    flush();
    std::lock_guard lock(mutex_);
    if (!stopped_) arm();
  });
}

void ViewRecorder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    if (timer_) timer_->cancel();
  }
  flush();
}

void ViewRecorder::flush() {
  const ViewCounter::Counts counts = counter_.take_pending();
  if (counts.empty()) return;
  try {
    videos_.add_views(counts);
  } catch (const std::exception& e) {
    counter_.restore(counts);
    if (const auto held = flush_errors_.allow("flush")) {
      log_.warn("views", "view counts not written (kept for the next try) videos={} error=\"{}\" suppressed={}",
                counts.size(), e.what(), *held);
    }
  }
}

namespace {

struct ViewRouteState {
  ViewRouteState(ViewRecorder& r, catalog::VideoRepository& v, const Authenticator& a, core::Logger& l)
      : recorder(r), videos(v), auth(a), log(l) {}
  ViewRecorder& recorder;
  catalog::VideoRepository& videos;
  const Authenticator& auth;
  core::Logger& log;
  core::LogThrottle refusals;
};

http::Response post_view(ViewRouteState& state, const http::Request& request, const http::RouteContext& context) {
  const std::string_view id = context.param("id");
  const auto video = state.videos.find(id);
  bool visible = video && video->state == catalog::VideoState::ready;
  if (visible && video->visibility == "private") {
    const auto who = state.auth.resolve(request);
    visible = who && who->may_manage(video->owner_id);
  }
  if (!visible) {
    if (const auto held = state.refusals.allow(context.client.address)) {
      state.log.info("views", "view refused: no such video id={:?} remote={:?} suppressed={}", id.substr(0, 64),
                     context.client.address, *held);
    }
    return http::make_json_error(http::Status::not_found, "not_found", "no such video");
  }
  const bool counted = state.recorder.record(video->id, context.client.address);
  http::Response res = http::make_json(http::Status::accepted, {{"counted", counted}});
  res.set(http::beast_http::field::cache_control, "no-store");
  return res;
}

}  // namespace

void add_view_routes(http::Router& router, ViewRecorder& recorder, catalog::VideoRepository& videos,
                     const Authenticator& auth, core::Logger& log) {
  auto state = std::make_shared<ViewRouteState>(recorder, videos, auth, log);
  router.add(http::Verb::post, "/api/v1/videos/{id}/views",
             [state](const http::Request& request, const http::RouteContext& context) {
               return post_view(*state, request, context);
             });
}

}  // namespace tidecast::api
