#pragma once
// Event loops for connections: one io_context per thread, so a connection's
// handlers never need a strand (its loop is its strand) and a ready socket is
// handled by the thread that polled it, without waking another one. This is
// what nginx's worker-per-core does; connections are spread round-robin.
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

  void start();
  // The next loop, round-robin (any thread).
  boost::asio::io_context& next();
  // An accepted socket, moved to the next loop: from then on every handler of
  // its connection runs on that loop's one thread.
  boost::asio::ip::tcp::socket adopt(boost::asio::ip::tcp::socket accepted);
  // Lets the loops run out of work, then joins them; loops still busy after
  // `grace` are stopped (their pending handlers are destroyed, not run).
  void join(std::chrono::milliseconds grace);
  unsigned size() const { return static_cast<unsigned>(loops_.size()); }

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  struct Loop {
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
