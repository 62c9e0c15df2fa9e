#include "core/io_pool.hpp"

namespace tidecast::core {

IoPool::IoPool(Logger& log, std::string name, unsigned threads) : log_(log), name_(std::move(name)) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) loops_.push_back(std::make_unique<Loop>());
}

IoPool::~IoPool() {
  join(std::chrono::milliseconds(0));
}

void IoPool::start() {
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) continue;
    loop->work = std::make_unique<WorkGuard>(loop->ioc.get_executor());
    ++running_;
    loop->thread = std::thread([this, raw = loop.get()] {
      // A handler that throws loses its own connection, never the loop: a
      // stopped loop would freeze every connection on it and keep getting new ones.
      for (;;) {
        try {
          raw->ioc.run();
          break;
        } catch (const std::exception& e) {
          log_.error(name_, "handler failed on a connection loop error=\"{}\"", e.what());
        }
      }
      --running_;
    });
  }
}

boost::asio::io_context& IoPool::next() {
  return loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]->ioc;
}

boost::asio::ip::tcp::socket IoPool::adopt(boost::asio::ip::tcp::socket accepted) {
  boost::asio::io_context& loop = next();
  boost::system::error_code ec;
  const auto protocol = accepted.local_endpoint(ec).protocol();
  if (ec) return boost::asio::ip::tcp::socket(loop);  // already gone: the session ends at its first read
  const auto handle = accepted.release(ec);
  if (ec) return boost::asio::ip::tcp::socket(loop);
  return boost::asio::ip::tcp::socket(loop, protocol, handle);
}

void IoPool::join(std::chrono::milliseconds grace) {
  for (auto& loop : loops_) loop->work.reset();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (running_.load() > 0) {
    if (grace.count() > 0) log_.warn(name_, "io threads still busy after {} ms; stopping them", grace.count());
    for (auto& loop : loops_) loop->ioc.stop();
  }
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

}  // namespace tidecast::core
