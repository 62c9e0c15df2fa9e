#include "core/io_pool.hpp"

#include "core/thread_name.hpp"

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
      name_this_thread("tc-" + name_);
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

IoPool::Lease::Lease(boost::asio::io_context& loop, std::shared_ptr<Counter> open)
    : loop_(&loop), open_(std::move(open)) {
  open_->fetch_add(1, std::memory_order_relaxed);
}

IoPool::Lease& IoPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    loop_ = other.loop_;
    open_ = std::move(other.open_);
  }
  return *this;
}

void IoPool::Lease::release() noexcept {
  if (open_) open_->fetch_sub(1, std::memory_order_relaxed);
  open_.reset();
}

IoPool::Lease IoPool::next_loop() {
  // A scan of a few counters per accept. Two acceptors racing may both pick
  // the same loop; the next accept sees the counts and evens it out.
  const auto n = loops_.size();
  const auto first = next_.fetch_add(1, std::memory_order_relaxed) % n;
  auto best = first;
  auto fewest = loops_[first]->open->load(std::memory_order_relaxed);
  for (std::size_t i = 1; i < n && fewest > 0; ++i) {
    const auto at = (first + i) % n;
    const auto open = loops_[at]->open->load(std::memory_order_relaxed);
    if (open < fewest) {
      best = at;
      fewest = open;
    }
  }
  return Lease(loops_[best]->ioc, loops_[best]->open);
}

std::size_t IoPool::open_connections(unsigned index) const {
  return loops_.at(index)->open->load(std::memory_order_relaxed);
}

boost::asio::ip::tcp::socket IoPool::Lease::adopt(boost::asio::ip::tcp::socket accepted) const {
  boost::asio::io_context& loop = *loop_;
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
