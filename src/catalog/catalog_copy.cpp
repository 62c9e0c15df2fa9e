#include "catalog/catalog_copy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tidecast::catalog {

namespace {

// Parents before children (foreign keys); leases and cluster settings are a
// cluster's own and start empty.
constexpr std::string_view kTables[] = {"users",         "channels",   "videos",       "renditions",
                                        "jobs",          "api_tokens", "uploads",      "sessions",
                                        "chat_messages", "chat_bans",  "chat_settings"};
constexpr std::string_view kIdentityTables[] = {"users",      "channels",      "renditions", "jobs",
                                                "api_tokens", "chat_messages", "chat_bans"};

struct Column {
  std::string name;
  std::string type;  // declared SQLite type: INTEGER, TEXT, REAL
};

std::vector<Column> columns_of(Database& db, std::string_view table) {
  std::vector<Column> out;
  auto info = db.prepare(fmt::format("PRAGMA table_info({})", table));
  while (info.step()) out.push_back({info.column_text(1), info.column_text(2)});
  return out;
}

std::int64_t count_rows(Database& db, std::string_view table) {
  auto stmt = db.prepare(fmt::format("SELECT COUNT(*) FROM {}", table));
  stmt.step();
  return stmt.column_int(0);
}

}  // namespace

CopyReport copy_catalog(Database& source, Database& target) {
  if (source.dialect() != Dialect::sqlite || target.dialect() != Dialect::postgres) {
    throw DatabaseError(Fault::none, "copy_catalog: copies a SQLite catalog into PostgreSQL");
  }
  for (std::string_view table : {"users", "channels", "videos"}) {
    if (const auto rows = count_rows(target, table); rows > 0) {
      throw DatabaseError(Fault::none, fmt::format("the target catalog is not empty ({} rows in {}); copy into a "
                                                   "new database",
                                                   rows, table));
    }
  }
  CopyReport report;
  Transaction tx(target);
  for (std::string_view table : kTables) {
    const auto columns = columns_of(source, table);
    std::vector<std::string> names;
    for (const auto& c : columns) names.push_back(c.name);
    // In rowid order: videos get their PostgreSQL rowid (listing order) in the same order.
    auto read = source.prepare(fmt::format("SELECT {} FROM {} ORDER BY rowid", fmt::join(names, ", "), table));
    auto write = target.prepare(fmt::format("INSERT INTO {} ({}) VALUES ({})", table, fmt::join(names, ", "),
                                            fmt::join(std::vector<std::string>(names.size(), "?"), ", ")));
    std::int64_t rows = 0;
    while (read.step()) {
      write.reset();
      for (std::size_t i = 0; i < columns.size(); ++i) {
        const int column = static_cast<int>(i);
        const int index = column + 1;
        if (read.column_is_null(column)) {
          write.bind(index, std::nullopt);
        } else if (columns[i].type == "INTEGER") {
          write.bind(index, read.column_int(column));
        } else if (columns[i].type == "REAL") {
          write.bind(index, read.column_double(column));
        } else {
          write.bind(index, read.column_text(column));
        }
      }
      write.run();
      ++rows;
    }
    report.rows.emplace_back(table, rows);
  }
  // Identity columns continue after the copied ids.
  for (std::string_view table : kIdentityTables) {
    target.exec(
        fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE((SELECT MAX(id) FROM {0}), 0) "
                    "+ 1, false)",
                    table));
  }
  tx.commit();
  return report;
}

}  // namespace tidecast::catalog
