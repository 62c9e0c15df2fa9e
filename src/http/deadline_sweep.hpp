#pragma once
// Connection deadlines without a timer per operation. A connection (Swept)
// stores when its current read or write must be done, a plain field set
// without touching any timer; one sweep per I/O loop (DeadlineSweep, a
// service of that loop's io_context) walks the loop's connections every
// kSweepPeriod and tells those whose deadline passed. A read or a write thus
// costs a clock read instead of a timer-heap insert plus the cancel of the
// previous one (O(log n) each at 10,000 connections, and allocations), and
// timeouts fire up to one period late: their precision is about half a
// second, fine for limits counted in seconds.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace tidecast::http {

using DeadlineClock = std::chrono::steady_clock;

class DeadlineList;

// Base of what a sweep watches. The deadline is touched only on the loop's
// thread (by the connection's handlers and the sweep); destruction may
// happen on any thread.
class Swept {
 public:
  Swept() = default;
  Swept(const Swept&) = delete;
  Swept& operator=(const Swept&) = delete;
  virtual ~Swept();

  void set_deadline(DeadlineClock::time_point at) { deadline_ = at; }
  void deadline_after(DeadlineClock::duration after) { deadline_ = DeadlineClock::now() + after; }
  void clear_deadline() { deadline_ = kNever; }
  bool has_deadline() const { return deadline_ != kNever; }

  // On the loop's thread, once per deadline passed (it is cleared first).
  virtual void deadline_passed() = 0;

 private:
  friend class DeadlineList;
  static constexpr DeadlineClock::time_point kNever = DeadlineClock::time_point::max();

  DeadlineClock::time_point deadline_ = kNever;
  // Intrusive links of the list, guarded by its mutex.
  std::shared_ptr<DeadlineList> list_;
  std::weak_ptr<Swept> self_;
  Swept* prev_ = nullptr;
  Swept* next_ = nullptr;
};

// The connections of one loop. watch() and the removal in ~Swept may come
// from any thread; sweep() runs on the loop's thread.
class DeadlineList : public std::enable_shared_from_this<DeadlineList> {
 public:
  // `swept` is watched until it is destroyed. True when the list was empty.
  bool watch(const std::shared_ptr<Swept>& swept);
  // Tells every watched connection whose deadline is at or before `now`;
  // returns how many. The timer calls it; tests call it with their own clock.
  std::size_t sweep(DeadlineClock::time_point now);
  std::size_t size() const;

 private:
  friend class Swept;
  void remove(Swept* swept);

  mutable std::mutex mutex_;
  Swept* head_ = nullptr;
  std::size_t size_ = 0;
};

// One DeadlineList per io_context, swept by one timer while it is not empty
// (an idle loop has no timer pending, so it can run out of work).
class DeadlineSweep : public boost::asio::io_context::service {
 public:
  static constexpr auto kSweepPeriod = std::chrono::milliseconds(500);
  static inline boost::asio::execution_context::id id;

  explicit DeadlineSweep(boost::asio::io_context& loop);
  static DeadlineSweep& of(boost::asio::io_context& loop);

  // Any thread: `swept` is watched until destroyed; its deadline is checked
  // every kSweepPeriod on this loop.
  void watch(const std::shared_ptr<Swept>& swept);
  std::size_t watched() const { return list_->size(); }

 private:
  void shutdown() override;
  void arm();

  std::shared_ptr<DeadlineList> list_ = std::make_shared<DeadlineList>();
  std::optional<boost::asio::steady_timer> timer_;
  std::mutex mutex_;
  bool running_ = false;  // a sweep is scheduled (guarded by mutex_)
};

}  // namespace tidecast::http
