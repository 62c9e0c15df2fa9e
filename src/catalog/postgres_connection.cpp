#include "catalog/postgres_connection.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "catalog/sql_text.hpp"

namespace tidecast::catalog {

namespace {

// Type OIDs from PostgreSQL's pg_type.dat; 0 lets the server infer the type.
constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;
constexpr Oid kFloat8 = 701;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};

std::string first_line(const char* message) {
  std::string_view text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  const std::size_t newline = text.find('\n');
  return std::string(text.substr(0, newline));
}

class PostgresConnection final : public detail::Connection {
 public:
  explicit PostgresConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {
    std::lock_guard lock(mutex_);
    connect();
  }

  Dialect dialect() const override { return Dialect::postgres; }

  void exec(std::string_view sql) override { execute(sql, {}, {}, {}); }

  std::unique_ptr<detail::Cursor> prepare(std::string_view sql) override;

  void begin() override {
    mutex_.lock();
    try {
      execute("BEGIN", {}, {}, {});
    } catch (...) {
      mutex_.unlock();
      throw;
    }
    in_transaction_ = true;
  }

  void commit() override {
    // Still "in a transaction" while COMMIT runs: a connection lost here must
    // fail the commit, never retry it on a new connection (where it would be
    // a no-op that looks like success).
    try {
      execute("COMMIT", {}, {}, {});
    } catch (...) {
      in_transaction_ = false;
      mutex_.unlock();
      throw;
    }
    in_transaction_ = false;
    mutex_.unlock();
  }

  void rollback() noexcept override {
    try {
      execute("ROLLBACK", {}, {}, {});
    } catch (...) {
      // A broken connection has rolled back by itself.
    }
    in_transaction_ = false;
    mutex_.unlock();
  }

  // Runs one statement with text parameters (nullopt = NULL).
  Result execute(std::string_view sql, const std::vector<std::optional<std::string>>& values,
                 const std::vector<Oid>& types, std::string_view context) {
    std::lock_guard lock(mutex_);
    const std::string text(sql);
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const auto& value : values) pointers.push_back(value ? value->c_str() : nullptr);
    for (int attempt = 0;; ++attempt) {
      if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) reconnect();
      // Without parameters: the simple protocol, which also runs scripts of
      // several statements (migrations).
      Result result(values.empty() ? PQexec(conn_.get(), text.c_str())
                                   : PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()),
                                                  types.data(), pointers.data(), nullptr, nullptr, 0));
      const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
      const bool lost = PQstatus(conn_.get()) != CONNECTION_OK;
      // A statement outside a transaction that failed because the connection
      // broke (PostgreSQL restarted) is sent once more on a new connection.
      if (lost && !in_transaction_ && attempt == 0) continue;
      const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
      const std::string message = first_line(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn_.get()));
      throw DatabaseError(postgres_fault(state ? state : "", lost),
                          fmt::format("postgres {}\"{}\": {}", context, text.substr(0, 60),
                                      message.empty() ? first_line(PQerrorMessage(conn_.get())) : message));
    }
  }

 private:
  void connect() {
    // connect_timeout first, so a value in the connection string overrides it.
    const char* keys[] = {"connect_timeout", "dbname", "application_name", nullptr};
    const char* values[] = {"5", conninfo_.c_str(), "tidecast", nullptr};
    conn_.reset(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
      const std::string message = conn_ ? first_line(PQerrorMessage(conn_.get())) : "out of memory";
      throw DatabaseError(Fault::unavailable, fmt::format("postgres connect: {}", message));
    }
    // Notices (e.g. "relation already exists, skipping") are not errors.
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);
  }

  void reconnect() {
    if (in_transaction_) {
      throw DatabaseError(Fault::unavailable, "postgres: the connection broke inside a transaction");
    }
    connect();
  }

  std::string conninfo_;
  std::recursive_mutex mutex_;
  std::unique_ptr<PGconn, ConnDeleter> conn_;
  bool in_transaction_ = false;
};

class PostgresCursor final : public detail::Cursor {
 public:
  PostgresCursor(PostgresConnection& connection, std::string sql) : connection_(connection), sql_(std::move(sql)) {}

  void bind_int(int index, std::int64_t value) override { set(index, std::to_string(value), kInt8); }
  void bind_text(int index, std::string_view value) override { set(index, std::string(value), 0); }
  void bind_null(int index) override { set(index, std::nullopt, 0); }
  void bind_double(int index, double value) override { set(index, fmt::format("{}", value), kFloat8); }

  bool step() override {
    if (!result_) {
      result_ = connection_.execute(sql_, values_, types_, "");
      rows_ = PQntuples(result_.get());
      const char* tuples = PQcmdTuples(result_.get());
      changes_ = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
      row_ = -1;
    }
    return ++row_ < rows_;
  }
  std::int64_t changes() const override { return changes_; }
  void reset() override {
    result_.reset();
    values_.clear();
    types_.clear();
    changes_ = 0;
  }

  std::int64_t column_int(int column) const override {
    const char* text = value(column);
    std::int64_t out = 0;
    if (text) std::from_chars(text, text + std::strlen(text), out);
    return out;
  }
  double column_double(int column) const override {
    const char* text = value(column);
    return text ? std::strtod(text, nullptr) : 0.0;
  }
  std::string column_text(int column) const override {
    const char* text = value(column);
    return text ? std::string(text, static_cast<std::size_t>(PQgetlength(result_.get(), row_, column))) : std::string();
  }
  bool column_is_null(int column) const override { return value(column) == nullptr; }

 private:
  void set(int index, std::optional<std::string> text, Oid type) {
    const auto slot = static_cast<std::size_t>(index - 1);
    if (values_.size() <= slot) {
      values_.resize(slot + 1);
      // A parameter number the statement does not use still needs a type.
      types_.resize(slot + 1, kText);
    }
    values_[slot] = std::move(text);
    types_[slot] = type;
  }
  const char* value(int column) const {
    if (!result_ || row_ < 0 || row_ >= rows_ || column >= PQnfields(result_.get())) return nullptr;
    if (PQgetisnull(result_.get(), row_, column)) return nullptr;
    return PQgetvalue(result_.get(), row_, column);
  }

  PostgresConnection& connection_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  Result result_;
  int rows_ = 0;
  int row_ = -1;
  std::int64_t changes_ = 0;
};

std::unique_ptr<detail::Cursor> PostgresConnection::prepare(std::string_view sql) {
  return std::make_unique<PostgresCursor>(*this, to_dollar_placeholders(sql));
}

}  // namespace

Fault postgres_fault(std::string_view sqlstate, bool connection_lost) {
  if (connection_lost || sqlstate.starts_with("08") || sqlstate.starts_with("57P")) return Fault::unavailable;
  if (sqlstate == "53100") return Fault::disk_full;
  if (sqlstate.starts_with("53")) return Fault::unavailable;
  if (sqlstate == "25006") return Fault::read_only;
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") return Fault::locked;
  if (sqlstate.starts_with("58")) return Fault::io_error;
  return Fault::none;
}

std::unique_ptr<detail::Connection> open_postgres(const std::string& conninfo) {
  return std::make_unique<PostgresConnection>(conninfo);
}

}  // namespace tidecast::catalog
