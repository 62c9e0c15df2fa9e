#include "cluster/segment_relay.hpp"

#include <fmt/format.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "cluster/node_url.hpp"
#include "cluster/segment_fanout.hpp"
#include "core/clock.hpp"
#include "core/log_throttle.hpp"
#include "http/deferred_response.hpp"
#include "http/response_stream.hpp"
#include "http/unavailable.hpp"

namespace tidecast::cluster {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

class SegmentUpstream;

namespace {

void count(core::Counter* counter) {
  if (counter) counter->inc();
}

}  // namespace

struct SegmentRelay::Shared {
  net::io_context& ioc;
  const ClusterAuth& auth;
  PullCache& cache;
  core::Logger& log;
  SegmentRelayOptions options;
  PullCounters counters;
  std::string served_by;
  core::LogThrottle log_throttle{std::chrono::seconds(10)};  // per owner and step: a dead owner is one line
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<SegmentUpstream>, std::less<>> in_flight;
  bool stopped = false;  // no new fetches (shutdown)
};

// One segment fetched from its owner, on its own strand: head, then the body
// read piece by piece, one read in flight. All its state is touched on that
// strand only (viewers join through a post).
class SegmentUpstream : public std::enable_shared_from_this<SegmentUpstream> {
 public:
  SegmentUpstream(std::shared_ptr<SegmentRelay::Shared> shared, std::string key, HostPort where,
                  bhttp::request<bhttp::empty_body> request)
      : shared_(std::move(shared)),
        key_(std::move(key)),
        where_(std::move(where)),
        resolver_(net::make_strand(shared_->ioc)),
        stream_(resolver_.get_executor()),
        request_(std::move(request)),
        fanout_(SegmentFanout::Options{.max_bytes = shared_->options.max_bytes, .max_viewers = 10'000}) {
    parser_.body_limit(shared_->options.max_bytes);
    // The parser keeps references to these (never copies): they live as long as it.
    on_chunk_header_ = [this](std::uint64_t size, beast::string_view, beast::error_code& ec) {
      if (size > shared_->options.max_bytes) ec = bhttp::error::body_limit;
      chunk_.clear();
      chunk_.reserve(static_cast<std::size_t>(size));
    };
    on_chunk_body_ = [this](std::uint64_t remain, beast::string_view body, beast::error_code& ec) -> std::size_t {
      chunk_.append(body.data(), body.size());
      // The chunk is whole: one part (moof+mdat), on to every viewer as it is.
      if (body.size() == remain && !fanout_.add(std::exchange(chunk_, {}))) ec = bhttp::error::body_limit;
      return body.size();
    };
  }

  void start() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->connect(); });
  }

  // Shutdown: the viewers' responses are cut, whoever waits gets a 503.
  void stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == Phase::done) return;
      self->fanout_.fail();
      PullResult result;
      result.error = "the node is stopping";
      self->finish(std::move(result));
    });
  }

  // A viewer here asks for the segment: answered on the strand.
  void join(http::Request request, std::shared_ptr<http::DeferredResponse> deferred) {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this(), request = std::move(request), deferred = std::move(deferred)]() mutable {
                    self->admit(std::move(request), std::move(deferred));
                  });
  }

 private:
  enum class Phase { head, streaming, whole, done };

  void connect() {
    if (phase_ == Phase::done) return;  // stopped before it began
    started_ = std::chrono::steady_clock::now();
    stream_.expires_after(shared_->options.idle_timeout);
    resolver_.async_resolve(where_.host, where_.port,
                            [self = shared_from_this()](beast::error_code ec, net::ip::tcp::resolver::results_type r) {
                              if (self->phase_ == Phase::done) return;
                              if (ec) return self->fail("resolve", ec.message());
                              self->stream_.async_connect(r, [self](beast::error_code ec, const auto&) {
                                if (ec) return self->fail("connect", ec.message());
                                self->write();
                              });
                            });
  }

  void admit(http::Request request, std::shared_ptr<http::DeferredResponse> deferred) {
    switch (phase_) {
      case Phase::head:
      case Phase::whole:
        if (pending_.size() >= kMaxPending) return deferred->complete(stream_response(nullptr));
        // A viewer who leaves before the head frees its place.
        deferred->on_cancel([weak = weak_from_this(), gone = deferred.get()] {
          if (const auto self = weak.lock()) {
            net::post(self->stream_.get_executor(), [self, gone] {
              std::erase_if(self->pending_, [gone](const Pending& p) { return p.deferred.get() == gone; });
            });
          }
        });
        pending_.push_back({std::move(request), std::move(deferred)});
        return;
      case Phase::streaming:
        deferred->complete(stream_response(fanout_.join()));
        return;
      case Phase::done:
        deferred->complete(final_answer_(request));
        return;
    }
  }

  void write() {
    stream_.expires_after(shared_->options.idle_timeout);
    bhttp::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("write", ec.message());
      self->stream_.expires_after(self->shared_->options.idle_timeout);
      bhttp::async_read_header(self->stream_, self->buffer_, self->parser_,
                               [self](beast::error_code ec, std::size_t) { self->on_head(ec); });
    });
  }

  void on_head(beast::error_code ec) {
    if (ec) return fail("read", ec.message());
    const auto& head = parser_.get();
    content_type_ = std::string(head[bhttp::field::content_type]);
    cache_control_ = std::string(head[bhttp::field::cache_control]);
    etag_ = std::string(head[bhttp::field::etag]);
    if (head.result() == bhttp::status::ok && parser_.chunked()) {
      // The segment in progress: from here on, each chunk goes to the viewers as it comes.
      parser_.on_chunk_header(on_chunk_header_);
      parser_.on_chunk_body(on_chunk_body_);
      phase_ = Phase::streaming;
      for (auto& waiter : std::exchange(pending_, {})) waiter.deferred->complete(stream_response(fanout_.join()));
    } else {
      phase_ = Phase::whole;  // complete already, or refused: answered once all of it came
    }
    read_more();
  }

  void read_more() {
    if (parser_.is_done()) return on_done();
    if (std::chrono::steady_clock::now() - started_ > shared_->options.total_timeout) {
      return fail("read", "the owner took longer than the whole-segment limit");
    }
    stream_.expires_after(shared_->options.idle_timeout);
    bhttp::async_read_some(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("read", ec.message());
      self->read_more();
    });
  }

  void on_done() {
    PullResult result;
    result.status = static_cast<int>(parser_.get().result_int());
    result.content_type = content_type_;
    result.cache_control = cache_control_;
    result.etag = etag_;
    if (phase_ == Phase::streaming) {
      result.body = fanout_.complete();  // the viewers' responses end here
      if (result.etag.empty()) result.etag = fmt::format("\"{}-{}\"", file_name(), result.body.size());
    } else {
      result.body = std::move(parser_.get().body());
    }
    finish(std::move(result));
  }

  static constexpr std::size_t kMaxPending = 10'000;  // viewers waiting for the owner's head

  void fail(std::string_view step, std::string_view why) {
    if (phase_ == Phase::done) return;
    count(shared_->counters.failures);
    if (const auto held_back = shared_->log_throttle.allow(fmt::format("{}:{} {}", where_.host, where_.port, step))) {
      shared_->log.warn("cluster",
                        "segment relay failed key={} at={} owner={}:{} error=\"{}\" streamed_bytes={} suppressed={}",
                        key_, step, where_.host, where_.port, why, fanout_.bytes(), *held_back);
    }
    fanout_.fail();  // viewers' connections close without the final chunk
    PullResult result;
    result.error = fmt::format("{} {}:{}: {}", step, where_.host, where_.port, why);
    finish(std::move(result));
  }

  // Keeps a whole 200 in the pull cache, answers whoever still waits, and
  // leaves the in-flight map, so the next request is a cache hit or a fresh fetch.
  void finish(PullResult result) {
    phase_ = Phase::done;
    final_answer_ = shared_->cache.adopt(key_, std::move(result));
    for (auto& waiter : std::exchange(pending_, {})) waiter.deferred->complete(final_answer_(waiter.request));
    {
      std::lock_guard lock(shared_->mutex);
      const auto it = shared_->in_flight.find(key_);
      if (it != shared_->in_flight.end() && it->second.get() == this) shared_->in_flight.erase(it);
    }
    resolver_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  http::Response stream_response(std::shared_ptr<http::ResponseStream> stream) const {
    if (!stream) {
      http::Response res = http::make_unavailable("too_many_viewers", "too many viewers of this segment on this node");
      res.set(bhttp::field::access_control_allow_origin, "*");
      res.set("X-Served-By", shared_->served_by);
      return res;
    }
    http::Response res =
        http::make_stream_response(std::move(stream), content_type_.empty() ? "video/iso.segment" : content_type_);
    if (!cache_control_.empty()) res.set(bhttp::field::cache_control, cache_control_);
    res.set(bhttp::field::access_control_allow_origin, "*");
    res.set("X-Served-By", shared_->served_by);
    return res;
  }

  std::string_view file_name() const {
    const std::string_view key = key_;
    return key.substr(key.rfind('/') + 1);
  }

  struct Pending {
    http::Request request;
    std::shared_ptr<http::DeferredResponse> deferred;
  };

  const std::shared_ptr<SegmentRelay::Shared> shared_;
  const std::string key_;
  const HostPort where_;
  net::ip::tcp::resolver resolver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::empty_body> request_;
  bhttp::response_parser<bhttp::string_body> parser_;
  std::function<void(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk_header_;
  std::function<std::size_t(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk_body_;
  std::string chunk_;  // the chunk being read
  SegmentFanout fanout_;
  Phase phase_ = Phase::head;
  std::vector<Pending> pending_;  // before the head (or a whole answer) came
  std::string content_type_, cache_control_, etag_;
  std::function<http::Response(const http::Request&)> final_answer_;
  std::chrono::steady_clock::time_point started_{};
};

SegmentRelay::SegmentRelay(net::io_context& ioc, const ClusterAuth& auth, PullCache& cache, core::Logger& log,
                           SegmentRelayOptions options, PullCounters counters, std::string served_by)
    // Built in place: the mutex cannot move.
    : shared_(new Shared{.ioc = ioc,
                         .auth = auth,
                         .cache = cache,
                         .log = log,
                         .options = options,
                         .counters = counters,
                         .served_by = std::move(served_by),
                         .log_throttle = core::LogThrottle(std::chrono::seconds(10)),
                         .mutex = {},
                         .in_flight = {}}) {}

SegmentRelay::~SegmentRelay() {
  // Fetches still in flight hold the shared state: let them go with the io loop.
  std::lock_guard lock(shared_->mutex);
  shared_->in_flight.clear();
}

http::Response SegmentRelay::serve(const http::Request& request, const std::string& base_url,
                                   const std::string& upstream_target, const std::string& key,
                                   std::chrono::milliseconds fallback_timeout) {
  // HTTP/1.0 has no chunked encoding: such a request waits for the whole segment (the pull cache's fetch).
  const bool plain_get = request.method() == http::Verb::get && request.version() == 11 &&
                         request[bhttp::field::range].empty() && request[bhttp::field::if_none_match].empty();
  const auto where = parse_node_url(base_url);
  if (!plain_get || !where) return shared_->cache.serve(request, base_url, upstream_target, key, fallback_timeout);
  if (auto hit = shared_->cache.cached(request, key)) return std::move(*hit);
  auto deferred = std::make_shared<http::DeferredResponse>();
  std::shared_ptr<SegmentUpstream> upstream;
  bool started = false;
  {
    std::lock_guard lock(shared_->mutex);
    if (const auto it = shared_->in_flight.find(key); it != shared_->in_flight.end()) {
      upstream = it->second;
      count(shared_->counters.coalesced);
    } else if (auto hit = shared_->cache.cached(request, key)) {
      // A fetch finished since the first look (it keeps the segment before it
      // leaves the in-flight map, under this lock): no second fetch.
      return std::move(*hit);
    } else if (shared_->stopped || shared_->in_flight.size() >= shared_->options.max_segments) {
      // Stopping, or as many segments streaming as allowed: this one comes whole.
    } else {
      bhttp::request<bhttp::empty_body> up{bhttp::verb::get, upstream_target, 11};
      up.set(bhttp::field::host, fmt::format("{}:{}", where->host, where->port));
      up.set(bhttp::field::connection, "close");
      up.set(kClusterHeader, shared_->auth.sign("GET", upstream_target, core::unix_now_ms() / 1000));
      upstream = std::make_shared<SegmentUpstream>(shared_, key, *where, std::move(up));
      shared_->in_flight.emplace(key, upstream);
      started = true;
    }
  }
  if (!upstream) return shared_->cache.serve(request, base_url, upstream_target, key, fallback_timeout);
  if (started) {
    count(shared_->counters.fetches);
    upstream->start();
  }
  upstream->join(request, deferred);
  return http::make_deferred_response(std::move(deferred));
}

void SegmentRelay::stop() {
  std::vector<std::shared_ptr<SegmentUpstream>> upstreams;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopped = true;
    for (const auto& [key, upstream] : shared_->in_flight) upstreams.push_back(upstream);
  }
  for (const auto& upstream : upstreams) upstream->stop();
}

std::size_t SegmentRelay::in_flight() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->in_flight.size();
}

}  // namespace tidecast::cluster
