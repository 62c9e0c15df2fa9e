#pragma once
// Pure SQL text helpers (no engine): the repositories write SQLite-style
// placeholders, PostgreSQL wants $N.
#include <string>
#include <string_view>

namespace tidecast::catalog {

// `?` becomes $1, $2, … in order; `?N` becomes $N (and later bare `?` go on
// from the highest number seen, as SQLite numbers them). Placeholders inside
// quoted strings, quoted identifiers and comments are left alone.
std::string to_dollar_placeholders(std::string_view sql);

}  // namespace tidecast::catalog
