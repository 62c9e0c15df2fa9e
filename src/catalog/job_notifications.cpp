#include "catalog/job_notifications.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <thread>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct JobNotifications::Connection {
  PGconn* pg = nullptr;
  ~Connection() {
    if (pg) PQfinish(pg);
  }
};

JobNotifications::JobNotifications(std::string location) : location_(std::move(location)) {}

JobNotifications::~JobNotifications() = default;

bool JobNotifications::listening() const {
  return conn_ && conn_->pg && PQstatus(conn_->pg) == CONNECTION_OK;
}

bool JobNotifications::connect() {
  if (!is_postgres_location(location_)) return false;
  if (listening()) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_connect_) return false;
  next_connect_ = now + std::chrono::seconds(5);
  conn_ = std::make_unique<Connection>();
  conn_->pg = PQconnectdb(location_.c_str());
  if (PQstatus(conn_->pg) != CONNECTION_OK) {
    conn_.reset();
    return false;
  }
  PGresult* result = PQexec(conn_->pg, "LISTEN tidecast_jobs");
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  if (!ok) conn_.reset();
  return ok;
}

bool JobNotifications::wait(std::chrono::milliseconds timeout) {
  if (!connect()) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Drain what has arrived already (and notice a broken connection).
    if (PQconsumeInput(conn_->pg) == 0) {
      conn_.reset();
      std::this_thread::sleep_for(
          std::max(std::chrono::milliseconds(0),
                   std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())));
      return false;
    }
    bool notified = false;
    while (PGnotify* notify = PQnotifies(conn_->pg)) {
      notified = true;
      PQfreemem(notify);
    }
    if (notified) return true;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{PQsocket(conn_->pg), POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(left.count()));
  }
}

}  // namespace tidecast::catalog
