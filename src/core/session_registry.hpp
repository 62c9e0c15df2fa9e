#pragma once
// Live sessions of a server, held weakly, so stop() can ask each one to close.
// Sessions register on start and unregister in their destructor.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace tidecast::core {

template <class Session>
class SessionRegistry {
 public:
  std::uint64_t add(std::weak_ptr<Session> session) {
    std::lock_guard lock(mutex_);
    const std::uint64_t id = ++next_id_;
    sessions_.emplace(id, std::move(session));
    return id;
  }
  void remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
  }
  std::vector<std::shared_ptr<Session>> alive() {
    std::vector<std::shared_ptr<Session>> out;
    std::lock_guard lock(mutex_);
    for (auto& [id, weak] : sessions_) {
      if (auto session = weak.lock()) out.push_back(std::move(session));
    }
    return out;
  }

 private:
  std::mutex mutex_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
};

}  // namespace tidecast::core
