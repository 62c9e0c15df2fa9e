#include "support/test_catalog.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "catalog/database.hpp"

namespace tidecast::test {

namespace {
const char* postgres_base() {
  const char* base = std::getenv("TIDECAST_TEST_POSTGRES");
  return base && *base ? base : nullptr;
}
}  // namespace

bool testing_postgres() {
  return postgres_base() != nullptr;
}

std::string test_catalog_location(const TempDir& dir, std::string_view file_name) {
  const char* base = postgres_base();
  if (!base) return (dir.path() / file_name).string();
  // A schema of its own per catalog: tests never see each other's rows.
  static std::atomic<unsigned> counter{0};
  const std::string schema = fmt::format("t{}_{}_{}", std::random_device{}(), counter++, file_name.size());
  catalog::Database admin = catalog::Database::open_location(base);
  admin.exec(fmt::format("CREATE SCHEMA {}", schema));
  return fmt::format("{} options='-csearch_path={}'", base, schema);
}

}  // namespace tidecast::test
