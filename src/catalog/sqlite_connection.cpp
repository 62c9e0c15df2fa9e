#include "catalog/sqlite_connection.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <string>

namespace tidecast::catalog {

namespace {

Fault fault_of(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Fault::locked;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return Fault::read_only;
    case SQLITE_FULL:
      return Fault::disk_full;
    case SQLITE_IOERR:
      return Fault::io_error;
    default:
      return Fault::none;
  }
}

[[noreturn]] void fail(int code, std::string_view context, std::string_view message) {
  throw DatabaseError(fault_of(code), fmt::format("sqlite {}: {}", context, message));
}

// The connection is opened in serialized mode and shared by threads. A
// statement's step, its change count and its error message are read under the
// connection's own mutex, so none of them can be another thread's.
class DbLock {
 public:
  explicit DbLock(sqlite3* db) : mutex_(sqlite3_db_mutex(db)) { sqlite3_mutex_enter(mutex_); }
  ~DbLock() { sqlite3_mutex_leave(mutex_); }
  DbLock(const DbLock&) = delete;
  DbLock& operator=(const DbLock&) = delete;

 private:
  sqlite3_mutex* mutex_;
};

class SqliteCursor final : public detail::Cursor {
 public:
  SqliteCursor(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  void bind_int(int index, std::int64_t value) override { check(sqlite3_bind_int64(stmt_.get(), index, value)); }
  void bind_text(int index, std::string_view value) override {
    check(sqlite3_bind_text(stmt_.get(), index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
  }
  void bind_null(int index) override { check(sqlite3_bind_null(stmt_.get(), index)); }
  void bind_double(int index, double value) override { check(sqlite3_bind_double(stmt_.get(), index, value)); }

  bool step() override {
    DbLock lock(db_);
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      changes_ = sqlite3_changes64(db_);
      return false;
    }
    fail(rc, fmt::format("step \"{}\"", std::string_view(sqlite3_sql(stmt_.get())).substr(0, 60)), sqlite3_errmsg(db_));
  }
  std::int64_t changes() const override { return changes_; }
  void reset() override {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
    changes_ = 0;
  }

  std::int64_t column_int(int column) const override { return sqlite3_column_int64(stmt_.get(), column); }
  double column_double(int column) const override { return sqlite3_column_double(stmt_.get(), column); }
  std::string column_text(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)))
                : std::string();
  }
  bool column_is_null(int column) const override { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(rc, "bind", sqlite3_errstr(rc));
  }
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  std::int64_t changes_ = 0;
};

class SqliteConnection final : public detail::Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  Dialect dialect() const override { return Dialect::sqlite; }

  void exec(std::string_view sql) override {
    const std::string text(sql);
    char* error = nullptr;
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
      const std::string message = error ? error : sqlite3_errstr(rc);
      sqlite3_free(error);
      fail(rc, fmt::format("exec \"{}\"", text.substr(0, 60)), message);
    }
  }

  std::unique_ptr<detail::Cursor> prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    DbLock lock(db_.get());
    const int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) fail(rc, fmt::format("prepare \"{}\"", sql.substr(0, 60)), sqlite3_errmsg(db_.get()));
    return std::make_unique<SqliteCursor>(db_.get(), stmt);
  }

  void begin() override { exec("BEGIN IMMEDIATE"); }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override {
    try {
      exec("ROLLBACK");
    } catch (...) {
      // Nothing sensible to do; SQLite rolls back on close anyway.
    }
  }

  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

sqlite3* handle_of(Database& db) {
  auto* sqlite = dynamic_cast<SqliteConnection*>(&db.connection());
  if (sqlite == nullptr) throw DatabaseError(Fault::none, "this operation needs a SQLite catalog");
  return sqlite->handle();
}

}  // namespace

std::unique_ptr<detail::Connection> open_sqlite(const std::filesystem::path& file, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  auto connection = std::make_unique<SqliteConnection>(raw);
  if (rc != SQLITE_OK) fail(rc, fmt::format("open {}", file.string()), raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  connection->exec("PRAGMA journal_mode=WAL");
  // FULL: each commit is on disk before it returns (an fsync of the WAL). With
  // NORMAL a crash of the process loses nothing, but a power cut or the file
  // system failing (ext4 going read-only on a disk error) drops the last
  // commits: a channel or video the user was told exists. Catalog writes are
  // few (progress rows at most once a second), so the fsync is cheap here.
  connection->exec("PRAGMA synchronous=FULL");
  connection->exec("PRAGMA foreign_keys=ON");
  return connection;
}

void checkpoint_sqlite(Database& db) {
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

void backup_sqlite(Database& source, const std::filesystem::path& target_file) {
  Database target = Database::open(target_file);
  sqlite3* to = handle_of(target);
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", handle_of(source), "main");
  if (!backup) fail(sqlite3_errcode(to), "backup init", sqlite3_errmsg(to));
  int rc = SQLITE_OK;
  // Copy in steps so a busy catalog is not locked for the whole copy.
  while ((rc = sqlite3_backup_step(backup, 256)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    if (rc != SQLITE_OK) sqlite3_sleep(20);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) fail(rc, "backup step", sqlite3_errstr(rc));
  checkpoint_sqlite(target);
}

}  // namespace tidecast::catalog
