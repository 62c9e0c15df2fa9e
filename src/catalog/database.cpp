#include "catalog/database.hpp"

#include "catalog/postgres_connection.hpp"
#include "catalog/sqlite_connection.hpp"

namespace tidecast::catalog {

bool is_postgres_location(std::string_view location) {
  return location.starts_with("postgres://") || location.starts_with("postgresql://") ||
         location.find("dbname=") != std::string_view::npos || location.find("host=") != std::string_view::npos;
}

Database Database::open(const std::filesystem::path& file, int busy_timeout_ms) {
  return Database(open_sqlite(file, busy_timeout_ms));
}

Database Database::open_location(const std::string& location, int busy_timeout_ms) {
  if (is_postgres_location(location)) return Database(open_postgres(location));
  return open(std::filesystem::path(location), busy_timeout_ms);
}

void Database::exec(std::string_view sql) {
  connection_->exec(sql);
}

Statement Database::prepare(std::string_view sql) {
  return Statement(connection_->prepare(sql));
}

Statement& Statement::bind(int index, std::int64_t value) {
  cursor_->bind_int(index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  cursor_->bind_text(index, value);
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  cursor_->bind_null(index);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  cursor_->bind_double(index, value);
  return *this;
}

bool Statement::step() {
  return cursor_->step();
}

std::int64_t Statement::run() {
  while (cursor_->step()) {
  }
  return cursor_->changes();
}

void Statement::reset() {
  cursor_->reset();
}

std::int64_t Statement::column_int(int column) const {
  return cursor_->column_int(column);
}
double Statement::column_double(int column) const {
  return cursor_->column_double(column);
}
std::string Statement::column_text(int column) const {
  return cursor_->column_text(column);
}
bool Statement::column_is_null(int column) const {
  return cursor_->column_is_null(column);
}
std::optional<std::int64_t> Statement::column_optional_int(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_int(column);
}

Transaction::Transaction(Database& db) : connection_(db.connection()) {
  connection_.begin();
}

Transaction::~Transaction() {
  if (!done_) connection_.rollback();
}

void Transaction::commit() {
  connection_.commit();
  done_ = true;
}

}  // namespace tidecast::catalog
