#pragma once
// The PostgreSQL engine behind catalog::Database (a cluster's shared catalog),
// on libpq. One connection per Database, shared by threads under a mutex; a
// lost connection is re-established on the next statement, so the server
// recovers by itself when PostgreSQL comes back.
#include <memory>
#include <string>

#include "catalog/database.hpp"

namespace tidecast::catalog {

std::unique_ptr<detail::Connection> open_postgres(const std::string& conninfo);

// Maps a SQLSTATE (and whether the connection itself broke) to a Fault.
Fault postgres_fault(std::string_view sqlstate, bool connection_lost);

}  // namespace tidecast::catalog
