#pragma once
// The catalog's database handle: one API over two engines. A single box keeps
// its catalog in a SQLite file (zero configuration); a cluster shares one
// PostgreSQL database. Repositories write portable SQL with `?` / `?N`
// placeholders and ask `dialect()` only where the engines really differ (job
// claims, schema). Errors throw DatabaseError carrying the statement context,
// the engine's own message and a Fault the server can answer 503 for.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tidecast::catalog {

enum class Dialect { sqlite, postgres };

// Failures the environment causes (and a client may retry later), as opposed
// to bugs and constraint violations (Fault::none).
enum class Fault { none, locked, read_only, disk_full, io_error, unavailable };

class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(Fault fault, const std::string& what) : std::runtime_error(what), fault_(fault) {}
  Fault fault() const { return fault_; }

 private:
  Fault fault_;
};

// "postgres://…" or "postgresql://…" (a libpq URI), or "host=… dbname=…"
// (libpq key=value): PostgreSQL. Anything else is the path of a SQLite file.
bool is_postgres_location(std::string_view location);

namespace detail {

// One prepared statement of an engine. Binds are 1-based.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_null(int index) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual bool step() = 0;
  // Rows inserted, updated or deleted by the statement, read when it finished
  // (never another statement's count on a shared connection).
  virtual std::int64_t changes() const = 0;
  virtual void reset() = 0;
  virtual std::int64_t column_int(int column) const = 0;
  virtual double column_double(int column) const = 0;
  virtual std::string column_text(int column) const = 0;
  virtual bool column_is_null(int column) const = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  virtual void exec(std::string_view sql) = 0;
  virtual std::unique_ptr<Cursor> prepare(std::string_view sql) = 0;
  // A transaction owns the connection until it ends: other threads' statements
  // on a shared connection wait instead of landing inside it.
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
};

}  // namespace detail

class Statement;

class Database {
 public:
  // A SQLite file: opened (created if needed) with WAL, FULL sync, a busy
  // timeout and foreign keys on.
  static Database open(const std::filesystem::path& file, int busy_timeout_ms = 5000);
  // A SQLite path or a PostgreSQL connection string (is_postgres_location).
  static Database open_location(const std::string& location, int busy_timeout_ms = 5000);

  Dialect dialect() const { return connection_->dialect(); }
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  detail::Connection& connection() { return *connection_; }

 private:
  explicit Database(std::unique_ptr<detail::Connection> connection) : connection_(std::move(connection)) {}
  std::unique_ptr<detail::Connection> connection_;
};

class Statement {
 public:
  explicit Statement(std::unique_ptr<detail::Cursor> cursor) : cursor_(std::move(cursor)) {}

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, std::nullopt_t);
  Statement& bind(int index, double value);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    int index = 1;
    (bind(index++, args), ...);
    return *this;
  }

  // Returns true while a row is available.
  bool step();
  // Steps to the end; returns the rows the statement changed.
  std::int64_t run();
  void reset();

  std::int64_t column_int(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;
  std::optional<std::int64_t> column_optional_int(int column) const;

 private:
  std::unique_ptr<detail::Cursor> cursor_;
};

// BEGIN (SQLite: IMMEDIATE) on construction; ROLLBACK unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  detail::Connection& connection_;
  bool done_ = false;
};

}  // namespace tidecast::catalog
