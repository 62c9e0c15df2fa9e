#include "http/deadline_sweep.hpp"

#include <boost/asio/post.hpp>

namespace tidecast::http {

namespace net = boost::asio;

Swept::~Swept() {
  if (list_) list_->remove(this);
}

bool DeadlineList::watch(const std::shared_ptr<Swept>& swept) {
  std::lock_guard lock(mutex_);
  if (swept->list_) return false;  // already watched
  swept->list_ = shared_from_this();
  swept->self_ = swept;
  swept->prev_ = nullptr;
  swept->next_ = head_;
  if (head_) head_->prev_ = swept.get();
  head_ = swept.get();
  return size_++ == 0;
}

void DeadlineList::remove(Swept* swept) {
  std::lock_guard lock(mutex_);
  if (swept->prev_) {
    swept->prev_->next_ = swept->next_;
  } else {
    head_ = swept->next_;
  }
  if (swept->next_) swept->next_->prev_ = swept->prev_;
  --size_;
}

std::size_t DeadlineList::sweep(DeadlineClock::time_point now) {
  std::vector<std::shared_ptr<Swept>> expired;  // allocates only when one expired
  {
    std::lock_guard lock(mutex_);
    for (Swept* at = head_; at; at = at->next_) {
      if (at->deadline_ > now) continue;
      // Null when it is being destroyed (its destructor waits for this lock).
      if (auto alive = at->self_.lock()) {
        at->deadline_ = Swept::kNever;
        expired.push_back(std::move(alive));
      }
    }
  }
  // Outside the lock: closing may destroy a connection, whose destructor removes it.
  for (auto& swept : expired) swept->deadline_passed();
  return expired.size();
}

std::size_t DeadlineList::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

DeadlineSweep::DeadlineSweep(net::io_context& loop) : net::io_context::service(loop) {
  timer_.emplace(loop);  // here, so the timer's own service outlives this one
}

DeadlineSweep& DeadlineSweep::of(net::io_context& loop) {
  return net::use_service<DeadlineSweep>(loop);
}

void DeadlineSweep::watch(const std::shared_ptr<Swept>& swept) {
  std::lock_guard lock(mutex_);
  list_->watch(swept);
  if (running_) return;
  running_ = true;
  // The timer belongs to the loop's thread.
  net::post(get_io_context(), [this] { arm(); });
}

void DeadlineSweep::arm() {
  if (!timer_) return;
  timer_->expires_after(kSweepPeriod);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    list_->sweep(DeadlineClock::now());
    {
      std::lock_guard lock(mutex_);
      if (list_->size() == 0) {  // nothing to watch: let the loop run out of work
        running_ = false;
        return;
      }
    }
    arm();
  });
}

void DeadlineSweep::shutdown() {
  timer_.reset();
}

}  // namespace tidecast::http
