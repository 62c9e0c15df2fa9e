#include "catalog/sql_text.hpp"

#include <doctest/doctest.h>

#include "catalog/postgres_connection.hpp"

using namespace tidecast::catalog;

TEST_CASE("placeholders: ? and ?N become $N, quoted text and comments are left alone") {
  CHECK(to_dollar_placeholders("SELECT 1") == "SELECT 1");
  CHECK(to_dollar_placeholders("a = ? AND b = ?") == "a = $1 AND b = $2");
  CHECK(to_dollar_placeholders("x = ?1 OR y = ?1 LIMIT ?3 OFFSET ?4") == "x = $1 OR y = $1 LIMIT $3 OFFSET $4");
  CHECK(to_dollar_placeholders("x = ?2, y = ?") == "x = $2, y = $3");  // SQLite numbers a bare ? after the highest
  CHECK(to_dollar_placeholders("t = '?' AND u = ?") == "t = '?' AND u = $1");
  CHECK(to_dollar_placeholders("t = 'it''s ?' AND u = ?") == "t = 'it''s ?' AND u = $1");
  CHECK(to_dollar_placeholders("\"we?ird\" = ? -- why?\n AND v = ?") == "\"we?ird\" = $1 -- why?\n AND v = $2");
  CHECK(to_dollar_placeholders("LIKE ? ESCAPE '\\'") == "LIKE $1 ESCAPE '\\'");
  CHECK(to_dollar_placeholders("unterminated '?") == "unterminated '?");
}

TEST_CASE("postgres failures map to faults the server answers 503 for") {
  CHECK(postgres_fault("", true) == Fault::unavailable);
  CHECK(postgres_fault("08006", false) == Fault::unavailable);
  CHECK(postgres_fault("57P01", false) == Fault::unavailable);  // admin shutdown
  CHECK(postgres_fault("53100", false) == Fault::disk_full);
  CHECK(postgres_fault("25006", false) == Fault::read_only);
  CHECK(postgres_fault("40P01", false) == Fault::locked);
  CHECK(postgres_fault("23505", false) == Fault::none);  // a unique violation is not the environment's
}
