#pragma once
// Admission control for a listener: a cap on all its connections and a cap
// per client address. admit() hands out a Slot that the connection keeps for
// its lifetime; dropping the Slot frees the place. A refusal is reported to
// the on_refused callback (metrics) every time, but logged at most once per
// address (and once for the total cap) per log interval, with the number of
// refusals since the last line, so a flood cannot flood the log.
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/log.hpp"
#include "core/log_throttle.hpp"

namespace tidecast::core {

struct ConnectionLimits {
  std::size_t max_total = 4096;
  std::size_t max_per_address = 256;
};

enum class Refusal { total, per_address };
const char* refusal_name(Refusal refusal);  // "total", "per_address"

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  using Slot = std::shared_ptr<void>;
  using Clock = std::chrono::steady_clock;
  using OnRefused = std::function<void(Refusal)>;

  // `component` names the listener in logs ("http", "rtmp").
  ConnectionLimiter(Logger& log, std::string component, ConnectionLimits limits,
                    Clock::duration log_interval = std::chrono::seconds(60));

  // Before the first admit(): told about every refusal (cheap, any thread).
  void on_refused(OnRefused callback) { on_refused_ = std::move(callback); }

  // A slot for a connection from `address`, or nullptr when a cap is reached.
  // `now` is for tests. IPv4-mapped IPv6 addresses count as their IPv4 address.
  Slot admit(const boost::asio::ip::address& address, Clock::time_point now = Clock::now());

  std::size_t active() const;
  std::size_t active(const boost::asio::ip::address& address) const;
  const ConnectionLimits& limits() const { return limits_; }

 private:
  struct Releaser;  // what a Slot points to: frees the place when the last copy goes
  void release(const std::string& key);
  void refuse(Refusal refusal, const std::string& key, const std::string& shown, Clock::time_point now);

  Logger& log_;
  std::string component_;
  ConnectionLimits limits_;
  OnRefused on_refused_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;  // key: the address bytes
  LogThrottle log_throttle_;                                  // key "" = the total cap
};

}  // namespace tidecast::core
