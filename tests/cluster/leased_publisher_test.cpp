// The cluster's publish path (OwnedPublishGateway): the leased publisher
// hands each socket read's packets on in one batch, as a single node does,
// and drops them once its lease is fenced.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "cluster/ownership.hpp"
#include "core/log.hpp"

using namespace tidecast;

namespace {

class Leases : public cluster::LeaseStore {
 public:
  std::optional<std::int64_t> acquire(std::int64_t, std::string&) override { return 1; }
  bool renew(std::int64_t, std::int64_t) override { return true; }
  void release(std::int64_t, std::int64_t) override { ++released; }
  int released = 0;
};

class Directory : public live::ChannelDirectory {
 public:
  std::optional<live::ChannelRef> find_by_stream_key(const std::string& key) override {
    if (key != "key") return std::nullopt;
    live::ChannelRef ref;
    ref.id = 7;
    ref.name = "studio";
    return ref;
  }
};

struct Seen {
  std::vector<std::size_t> batches;  // sizes of on_packets calls
  std::size_t singles = 0;           // on_packet calls
};

class Recorder : public rtmp::Publisher {
 public:
  explicit Recorder(Seen& seen) : seen_(seen) {}
  void finish() override {}
  const std::string& channel() const override { return name_; }
  void on_stream_info(const media::StreamInfo&) override {}
  void on_packet(media::PacketPtr) override { ++seen_.singles; }
  void on_packets(std::span<media::PacketPtr> packets) override { seen_.batches.push_back(packets.size()); }

 private:
  Seen& seen_;
  std::string name_ = "studio";
};

class Inner : public rtmp::PublishGateway {
 public:
  explicit Inner(Seen& seen) : seen_(seen) {}
  rtmp::PublishDecision begin_publish(const rtmp::PublishRequest&) override {
    return {.publisher = std::make_unique<Recorder>(seen_), .status_code = {}, .reason = {}};
  }

 private:
  Seen& seen_;
};

}  // namespace

TEST_CASE("a leased publisher forwards a read's packets as one batch, and nothing once fenced") {
  core::Logger log;
  boost::asio::io_context ioc;
  Leases leases;
  cluster::LeaseKeeper keeper(ioc, log, leases, std::chrono::milliseconds(200));
  Directory directory;
  Seen seen;
  Inner inner(seen);
  cluster::OwnedPublishGateway gateway(inner, directory, keeper, log);
  auto decision = gateway.begin_publish({.app = "live", .stream_key = "key", .remote = "127.0.0.1"});
  REQUIRE(decision.publisher);

  std::vector<media::PacketPtr> packets(5, std::make_shared<const media::Packet>());
  decision.publisher->on_packets(packets);
  CHECK(seen.batches == std::vector<std::size_t>{5});
  CHECK(seen.singles == 0);

  // Not renewed past its lifetime: fenced, the media goes nowhere.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  std::vector<media::PacketPtr> late(3, std::make_shared<const media::Packet>());
  decision.publisher->on_packets(late);
  CHECK(seen.batches == std::vector<std::size_t>{5});
  CHECK(seen.singles == 0);
  decision.publisher.reset();
  CHECK(leases.released == 1);
}
