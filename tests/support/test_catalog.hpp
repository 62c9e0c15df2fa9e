#pragma once
// Where a catalog test keeps its catalog. By default a SQLite file in the
// test's temp dir; when the suite runs under tests/e2e/support/postgres.py
// (TIDECAST_TEST_POSTGRES holds a libpq connection string), a fresh schema in
// that throwaway PostgreSQL server, so the same tests check both engines.
#include <string>
#include <string_view>

#include "support/temp_dir.hpp"

namespace tidecast::test {

bool testing_postgres();
std::string test_catalog_location(const TempDir& dir, std::string_view file_name = "t.db");

}  // namespace tidecast::test
