#pragma once
// Wakes an idle conversion runner when a job is queued: a libpq connection of
// its own that LISTENs on "tidecast_jobs" (a trigger on the jobs table sends
// the NOTIFY, see migration 8). Polling stays the fallback: wait() always
// returns by its timeout, and on SQLite, or while PostgreSQL cannot be
// reached, it simply sleeps (reconnecting at the next call).
#include <chrono>
#include <memory>
#include <string>

namespace tidecast::catalog {

class JobNotifications {
 public:
  explicit JobNotifications(std::string location);
  ~JobNotifications();
  JobNotifications(const JobNotifications&) = delete;
  JobNotifications& operator=(const JobNotifications&) = delete;

  // Returns true as soon as a notification arrives, false after `timeout`.
  bool wait(std::chrono::milliseconds timeout);
  bool listening() const;

 private:
  struct Connection;
  bool connect();
  std::string location_;
  std::unique_ptr<Connection> conn_;
  std::chrono::steady_clock::time_point next_connect_{};
};

}  // namespace tidecast::catalog
