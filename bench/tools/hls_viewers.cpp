// Simulated HLS viewers for bench/serving.py: what hls.js does on a live
// stream, without a browser's cost. Each viewer keeps one keep-alive
// connection and, every PERIOD seconds (its own phase, spread over the first
// period), fetches its media playlist and then the newest segment it lists.
// It fetches that segment even when it had it already: hls.js fetches each
// new segment once, one per segment duration, and a copy of the window on a
// static server (the peer) never gets new ones; this way both servers carry
// the same load. Viewers take the playlists in turn (one per rung).
//
//   hls_viewers PORT PLAYLISTS VIEWERS SECONDS [PERIOD]
//     PLAYLISTS: comma-separated paths ("/live/x/v0/media.m3u8,/live/x/v1/media.m3u8")
//
// Prints one JSON line: segments fetched, playlists, errors, MB received, and
// segment / playlist times (request written to last byte read) p50/p99/max.
// Bodies are read into a fixed buffer and dropped: the client copies each
// byte once (the kernel's copy out of the socket), so on a shared machine it
// costs the servers under test as little as a client can. Two threads, each
// with its own loop and half the viewers.
#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "percentile.hpp"

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
  std::vector<double> segment_ms;
  std::vector<double> playlist_ms;
  std::size_t errors = 0;
  double megabytes = 0;
};

// The newest segment a media playlist lists: its last URI line.
std::string newest_uri(std::string_view playlist) {
  std::string_view newest;
  while (!playlist.empty()) {
    const std::size_t end = playlist.find('\n');
    std::string_view line = playlist.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() != '#') newest = line;
    if (end == std::string_view::npos) break;
    playlist.remove_prefix(end + 1);
  }
  return std::string(newest);
}

class Viewer : public std::enable_shared_from_this<Viewer> {
 public:
  Viewer(net::io_context& ioc, tcp::endpoint server, std::string playlist, Clock::duration period,
         Clock::time_point first, Clock::time_point end, Stats& stats)
      : socket_(ioc),
        timer_(ioc),
        server_(server),
        playlist_(std::move(playlist)),
        base_(playlist_.substr(0, playlist_.rfind('/') + 1)),
        period_(period),
        next_(first),
        end_(end),
        stats_(stats) {}

  void start() { wait_turn(); }

 private:
  void wait_turn() {
    if (next_ >= end_) return;
    timer_.expires_at(next_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code) { self->fetch(self->playlist_, true); });
  }

  void fetch(const std::string& target, bool is_playlist) {
    if (!socket_.is_open()) {
      boost::system::error_code ec;
      socket_.connect(server_, ec);  // loopback: immediate
      if (ec) return failed();
    }
    request_ = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    is_playlist_ = is_playlist;
    sent_ = Clock::now();
    net::async_write(socket_, net::buffer(request_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->failed();
                       self->head_.clear();
                       self->body_.clear();
                       self->remaining_ = std::string::npos;
                       self->read();
                     });
  }

  void read() {
    socket_.async_read_some(net::buffer(buffer_),
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                              if (ec) return self->failed();
                              self->stats_.megabytes += static_cast<double>(n) / 1e6;
                              self->consume(std::string_view(self->buffer_.data(), n));
                            });
  }

  void consume(std::string_view bytes) {
    if (remaining_ == std::string::npos) {  // still in the head
      head_.append(bytes);
      const std::size_t end = head_.find("\r\n\r\n");
      if (end == std::string::npos) return read();
      status_ = std::atoi(head_.c_str() + head_.find(' ') + 1);
      const std::size_t length = head_.find("Content-Length:") != std::string::npos ? head_.find("Content-Length:")
                                                                                    : head_.find("content-length:");
      if (length == std::string::npos) return failed();  // the servers under test send a length
      remaining_ = std::strtoull(head_.c_str() + length + 15, nullptr, 10);
      bytes = std::string_view(head_).substr(end + 4);
      if (is_playlist_) body_.append(bytes.substr(0, remaining_));
      remaining_ -= std::min(remaining_, bytes.size());
    } else {
      if (is_playlist_) body_.append(bytes.substr(0, remaining_));
      remaining_ -= std::min(remaining_, bytes.size());
    }
    if (remaining_ > 0) return read();
    answered();
  }

  void answered() {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent_).count();
    if (status_ != 200) return failed();
    if (!is_playlist_) {
      stats_.segment_ms.push_back(ms);
      return next_turn();
    }
    stats_.playlist_ms.push_back(ms);
    const std::string newest = newest_uri(body_);
    if (newest.empty()) return failed();
    fetch(base_ + newest, false);
  }

  void next_turn() {
    next_ = std::max(next_ + period_, Clock::now());  // a late viewer asks again at once, as hls.js would
    wait_turn();
  }

  void failed() {
    ++stats_.errors;
    boost::system::error_code ignored;
    socket_.close(ignored);
    next_turn();
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  tcp::endpoint server_;
  std::string playlist_;
  std::string base_;
  Clock::duration period_;
  Clock::time_point next_;
  Clock::time_point end_;
  Stats& stats_;
  std::string request_;
  std::string head_;
  std::string body_;  // playlists only
  std::size_t remaining_ = 0;
  int status_ = 0;
  bool is_playlist_ = true;
  Clock::time_point sent_;
  std::array<char, 64 * 1024> buffer_{};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: hls_viewers PORT PLAYLISTS VIEWERS SECONDS [PERIOD]\n");
    return 2;
  }
  const tcp::endpoint server(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1])));
  std::vector<std::string> playlists;
  for (std::string_view list = argv[2]; !list.empty();) {
    const std::size_t comma = list.find(',');
    playlists.emplace_back(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  const std::size_t viewers = std::strtoull(argv[3], nullptr, 10);
  const auto seconds = std::chrono::duration<double>(std::atof(argv[4]));
  const auto period =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(argc > 5 ? std::atof(argv[5]) : 2.0));

  constexpr int kThreads = 2;
  std::array<net::io_context, kThreads> loops;
  std::array<Stats, kThreads> stats;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(seconds);
  std::mt19937 random(7);
  std::uniform_int_distribution<Clock::rep> phase(0, period.count());
  for (std::size_t i = 0; i < viewers; ++i) {
    const int t = static_cast<int>(i % kThreads);
    std::make_shared<Viewer>(loops[t], server, playlists[i % playlists.size()], period,
                             start + Clock::duration(phase(random)), end, stats[t])
        ->start();
  }
  std::vector<std::thread> threads;
  for (auto& loop : loops) threads.emplace_back([&loop] { loop.run(); });
  for (auto& thread : threads) thread.join();

  Stats all;
  for (auto& s : stats) {
    all.segment_ms.insert(all.segment_ms.end(), s.segment_ms.begin(), s.segment_ms.end());
    all.playlist_ms.insert(all.playlist_ms.end(), s.playlist_ms.begin(), s.playlist_ms.end());
    all.errors += s.errors;
    all.megabytes += s.megabytes;
  }
  std::printf(
      "{\"segments\": %zu, \"playlists\": %zu, \"errors\": %zu, \"megabytes\": %.1f, \"segment_p50_ms\": %.1f, "
      "\"segment_p99_ms\": %.1f, \"segment_max_ms\": %.1f, \"playlist_p50_ms\": %.1f, \"playlist_p99_ms\": %.1f}\n",
      all.segment_ms.size(), all.playlist_ms.size(), all.errors, all.megabytes, percentile(all.segment_ms, 0.5),
      percentile(all.segment_ms, 0.99), percentile(all.segment_ms, 1), percentile(all.playlist_ms, 0.5),
      percentile(all.playlist_ms, 0.99));
  return 0;
}
