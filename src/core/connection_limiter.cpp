#include "core/connection_limiter.hpp"

namespace tidecast::core {

namespace {

using boost::asio::ip::address;

address canonical(const address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

std::string key_of(const address& a) {
  if (a.is_v4()) {
    const auto bytes = a.to_v4().to_bytes();
    return {bytes.begin(), bytes.end()};
  }
  const auto bytes = a.to_v6().to_bytes();
  return {bytes.begin(), bytes.end()};
}

}  // namespace

struct ConnectionLimiter::Releaser {
  Releaser(std::weak_ptr<ConnectionLimiter> limiter, std::string key)
      : limiter(std::move(limiter)), key(std::move(key)) {}
  Releaser(const Releaser&) = delete;
  Releaser& operator=(const Releaser&) = delete;
  ~Releaser() {
    if (const auto self = limiter.lock()) self->release(key);
  }
  std::weak_ptr<ConnectionLimiter> limiter;
  std::string key;
};

const char* refusal_name(Refusal refusal) {
  return refusal == Refusal::total ? "total" : "per_address";
}

ConnectionLimiter::ConnectionLimiter(Logger& log, std::string component, ConnectionLimits limits,
                                     Clock::duration log_interval)
    : log_(log), component_(std::move(component)), limits_(limits), log_throttle_(log_interval) {}

ConnectionLimiter::Slot ConnectionLimiter::admit(const address& raw, Clock::time_point now) {
  const address client = canonical(raw);
  const std::string key = key_of(client);
  {
    std::lock_guard lock(mutex_);
    if (total_ >= limits_.max_total) {
      refuse(Refusal::total, {}, client.to_string(), now);
      return nullptr;
    }
    const auto it = per_address_.find(key);
    if (it != per_address_.end() && it->second >= limits_.max_per_address) {
      refuse(Refusal::per_address, key, client.to_string(), now);
      return nullptr;
    }
    ++per_address_[key];
    ++total_;
  }
  // The slot holds the limiter weakly: a connection outliving its server frees nothing.
  return std::make_shared<Releaser>(weak_from_this(), key);
}

void ConnectionLimiter::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  --total_;
  const auto it = per_address_.find(key);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

void ConnectionLimiter::refuse(Refusal refusal, const std::string& key, const std::string& shown,
                               Clock::time_point now) {
  // Called with mutex_ held.
  if (on_refused_) on_refused_(refusal);
  const auto allowed = log_throttle_.allow(key, now);
  if (!allowed) return;
  const std::size_t since = *allowed;
  if (refusal == Refusal::total) {
    log_.warn(component_, "connection refused limit=total max_connections={} client={} refused_since_last_line={}",
              limits_.max_total, shown, since);
  } else {
    log_.warn(component_,
              "connection refused limit=per_address max_connections_per_ip={} client={} refused_since_last_line={}",
              limits_.max_per_address, shown, since);
  }
}

std::size_t ConnectionLimiter::active() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t ConnectionLimiter::active(const address& a) const {
  std::lock_guard lock(mutex_);
  const auto it = per_address_.find(key_of(canonical(a)));
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace tidecast::core
