#pragma once
// Event loops for connections: one io_context per thread, so a connection's
// handlers never need a strand (its loop is its strand) and a ready socket is
// handled by the thread that polled it, without waking another one. This is
// what nginx's worker-per-core does. A connection never moves, so a new one
// goes to the loop with the fewest open connections (ties round-robin): a loop
// that kept long-lived ones (ingest, chat, keep-alive viewers) gets fewer new.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/log.hpp"

namespace tidecast::core {

class IoPool {
 public:
  IoPool(Logger& log, std::string name, unsigned threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // A connection's place on one loop: counted as open on that loop until the
  // Lease is destroyed, so keep it as long as the connection (its session) lives.
  class Lease {
   public:
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { release(); }

    boost::asio::io_context& loop() const { return *loop_; }
    // An accepted socket, moved to this loop: from then on every handler of
    // its connection runs on that loop's one thread.
    boost::asio::ip::tcp::socket adopt(boost::asio::ip::tcp::socket accepted) const;

   private:
    friend class IoPool;
    using Counter = std::atomic<std::size_t>;
    Lease(boost::asio::io_context& loop, std::shared_ptr<Counter> open);
    void release() noexcept;

    boost::asio::io_context* loop_;
    std::shared_ptr<Counter> open_;  // shared: a session may outlive the pool at shutdown
  };

  void start();
  // The loop with the fewest open connections, ties round-robin (any thread).
  Lease next_loop();
  // Connections open on loop `index` (tests, metrics).
  std::size_t open_connections(unsigned index) const;
  // Lets the loops run out of work, then joins them; loops still busy after
  // `grace` are stopped (their pending handlers are destroyed, not run).
  void join(std::chrono::milliseconds grace);
  unsigned size() const { return static_cast<unsigned>(loops_.size()); }

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  struct Loop {
    std::shared_ptr<Lease::Counter> open = std::make_shared<Lease::Counter>(0);
    boost::asio::io_context ioc{1};  // concurrency hint: one thread
    std::unique_ptr<WorkGuard> work;
    std::thread thread;
  };

  Logger& log_;
  std::string name_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<unsigned> next_{0};
  std::atomic<unsigned> running_{0};
};

}  // namespace tidecast::core
