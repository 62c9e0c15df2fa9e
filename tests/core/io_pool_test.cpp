#include "core/io_pool.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "support/captured_log.hpp"

using namespace tidecast::core;
using tidecast::test::CapturedLog;

namespace {
// Which of the pool's two loops a lease landed on, by the loop's address.
unsigned index_of(const IoPool::Lease& lease, const boost::asio::io_context& first) {
  return &lease.loop() == &first ? 0 : 1;
}
}  // namespace

TEST_CASE("new connections go to the loop with the fewest open ones; counts return to zero") {
  CapturedLog captured;
  IoPool pool(captured.logger(), "io", 2);  // not started: leases only count

  // Equal loads: ties alternate, so six connections split three and three.
  std::vector<std::optional<IoPool::Lease>> leases;
  for (int i = 0; i < 6; ++i) leases.emplace_back(pool.next_loop());
  const boost::asio::io_context& first = leases[0]->loop();
  CHECK(pool.open_connections(0) + pool.open_connections(1) == 6);
  CHECK(pool.open_connections(0) == 3);
  CHECK(pool.open_connections(1) == 3);

  // Skew: every connection on the first lease's loop closes, the others stay.
  const unsigned busy = 1 - index_of(*leases[0], first);
  for (auto& lease : leases) {
    if (lease && index_of(*lease, first) != busy) lease.reset();
  }
  CHECK(pool.open_connections(busy) == 3);
  CHECK(pool.open_connections(1 - busy) == 0);

  // The next three all go to the emptier loop, until the loads are even again.
  for (int i = 0; i < 3; ++i) {
    leases.emplace_back(pool.next_loop());
    CHECK(index_of(*leases.back(), first) == 1 - busy);
  }
  CHECK(pool.open_connections(0) == 3);
  CHECK(pool.open_connections(1) == 3);

  // Even again: the next two split one and one.
  leases.emplace_back(pool.next_loop());
  leases.emplace_back(pool.next_loop());
  CHECK(index_of(*leases[leases.size() - 1], first) != index_of(*leases[leases.size() - 2], first));

  // A moved lease counts once; a moved-from one releases nothing.
  IoPool::Lease moved = std::move(*leases.back());
  leases.back().reset();
  CHECK(pool.open_connections(0) + pool.open_connections(1) == 8);
  moved = pool.next_loop();  // the old place frees, the new one counts
  CHECK(pool.open_connections(0) + pool.open_connections(1) == 8);

  leases.clear();
  { IoPool::Lease gone = std::move(moved); }
  CHECK(pool.open_connections(0) == 0);
  CHECK(pool.open_connections(1) == 0);
}

TEST_CASE("a lease moves an accepted socket onto its loop") {
  CapturedLog captured;
  IoPool pool(captured.logger(), "io", 2);
  boost::asio::io_context accept_loop;
  boost::asio::ip::tcp::acceptor acceptor(accept_loop, {boost::asio::ip::make_address("127.0.0.1"), 0});
  boost::asio::ip::tcp::socket client(accept_loop);
  client.connect(acceptor.local_endpoint());
  auto accepted = acceptor.accept();

  auto lease = pool.next_loop();
  auto socket = lease.adopt(std::move(accepted));
  CHECK(socket.is_open());
  CHECK(&socket.get_executor().context() == &lease.loop());
  CHECK(pool.open_connections(0) + pool.open_connections(1) == 1);
}
