#include "live/live_service.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <set>

#include "live/live_test_support.hpp"
#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"

namespace tidecast::test {

TEST_CASE("a publish right after a clean unpublish starts a fresh presentation that goes live and is recorded") {
  TempDir dir;
  CapturedLog log;
  FakeRecordings recordings;
  FakeDirectory directory;
  boost::asio::io_context ioc;  // grace timers only: a clean unpublish never waits
  boost::asio::thread_pool pool(2);
  live::LiveServiceOptions options;
  options.channel = small_window(dir.path());
  live::LiveService service(ioc, log.logger(), directory, recordings, pool.get_executor(), options);

  constexpr int kPublishes = 25;
  std::set<std::string> segment_urls;
  for (int i = 0; i < kPublishes; ++i) {
    CAPTURE(i);
    auto decision = service.begin_publish({"live", "key", "127.0.0.1"});
    REQUIRE(decision.publisher);
    const auto channel = service.find("studio");
    REQUIRE(channel);
    // Attached (its reader subscribed, so it gets every packet): the publish was not lost.
    REQUIRE(eventually([&] { return channel->status().publishing; }));
    decision.publisher->on_stream_info(h264_aac_stream(true, false));
    for (auto& packet : video_seconds(3)) decision.publisher->on_packet(packet);
    // Live: the playlist advances (segments cut at the keyframes after 1 s and 2 s).
    REQUIRE(eventually([&] { return channel->status().segments >= 2 && !channel->finished(); }));
    const auto playlist = channel->snapshot()->media_playlists.at("v0")->text;
    CHECK(playlist.find("#EXT-X-ENDLIST") == std::string::npos);
    const auto snapshot = channel->snapshot();
    std::vector<std::string> names;
    for (const auto& [name, bytes] : snapshot->files) names.push_back(name);
    for (const auto& [name, sealed] : snapshot->sealed_files) names.push_back(name);
    for (const auto& name : names) {
      if (name.ends_with(".m4s")) CHECK_MESSAGE(segment_urls.insert(name).second, "segment URL reused: " << name);
    }
    // Unpublish, and the next iteration publishes again at once (before the
    // channel's strand has run the end).
    decision.publisher->finish();
    decision.publisher.reset();
  }
  const auto last = service.find("studio");
  service.stop();
  REQUIRE(eventually([&] { return last->finished(); }));
  REQUIRE(eventually([&] {
    const auto states = recordings.states();
    return states.size() == kPublishes &&
           std::all_of(states.begin(), states.end(), [](const auto& s) { return s.second == "ready"; });
  }));
  CHECK(log.count("live started") == kPublishes);
  CHECK(log.count("publisher reconnected") == 0);
  pool.join();
}

namespace {

// A cluster's numbering, scripted: each publish gets the next claim.
class ScriptedNumbering : public live::NumberingSource {
 public:
  std::vector<live::NumberingClaim> claims;
  std::size_t used = 0;
  std::optional<live::NumberingClaim> begin(const live::ChannelRef&) override { return claims.at(used++); }
};

}  // namespace

TEST_CASE("a cluster's presentation starts from the claimed numbering; it does not resume after another node's") {
  TempDir dir;
  CapturedLog log;
  FakeRecordings recordings;
  FakeDirectory directory;
  boost::asio::io_context ioc;
  boost::asio::thread_pool pool(2);
  live::LiveServiceOptions options;
  options.channel = small_window(dir.path());
  options.reconnect_grace_seconds = 60;
  live::LiveService service(ioc, log.logger(), directory, recordings, pool.get_executor(), options);
  ScriptedNumbering numbering;
  live::NumberingClaim own;
  own.start = {50, 3, 0};
  live::NumberingClaim after_other;
  after_other.start = {90, 7, 0};
  after_other.resumable = false;
  numbering.claims = {own, own, after_other};
  service.set_numbering(&numbering);

  const auto publish = [&](int seconds) {
    auto decision = service.begin_publish({"live", "key", "127.0.0.1"});
    REQUIRE(decision.publisher);
    const auto channel = service.find("studio");
    REQUIRE(eventually([&] { return channel->status().publishing; }));
    const auto before = channel->status().segments;
    decision.publisher->on_stream_info(h264_aac_stream(true, false));
    for (auto& packet : video_seconds(seconds)) decision.publisher->on_packet(packet);
    REQUIRE(eventually([&] { return channel->status().segments >= before + seconds - 1; }));
    return std::pair(std::move(decision.publisher), channel);
  };

  auto [first, channel] = publish(3);
  CHECK(channel->snapshot()->media_playlists.at("v0")->text.find("#EXT-X-MEDIA-SEQUENCE:5") != std::string::npos);
  CHECK(channel->numbering().discontinuity_sequence == 4);
  first.reset();  // dropped without unpublishing: the presentation waits for it
  REQUIRE(eventually([&] { return !channel->status().publishing; }));  // (so the next attach is seen)
  // Back on this node after its own lease: the same presentation goes on.
  auto [second, resumed] = publish(3);
  CHECK(resumed == channel);
  second.reset();
  REQUIRE(eventually([&] { return !channel->status().publishing; }));
  // Back after another node published the channel: a fresh presentation, above its numbers.
  auto [third, fresh] = publish(3);
  CHECK(fresh != channel);
  CHECK(fresh->numbering().media_sequence >= 92);
  CHECK(fresh->snapshot()->media_playlists.at("v0")->text.find("#EXT-X-DISCONTINUITY-SEQUENCE:7") != std::string::npos);
  CHECK(log.count("not resuming channel=studio") == 1);
  third->finish();
  third.reset();
  service.stop();
  REQUIRE(eventually([&] { return channel->finished() && fresh->finished(); }));
  pool.join();
}

}  // namespace tidecast::test

namespace tidecast::test {

TEST_CASE("a channel's own latency mode decides its parts when a publish starts; none: the server's") {
  live::LiveServiceOptions normal_server;
  normal_server.channel.segment_seconds = 2;
  normal_server.low_latency_part_seconds = 0.4;
  live::LiveServiceOptions low_server = normal_server;
  low_server.channel.part_seconds = 0.4;
  live::ChannelRef channel;
  CHECK(live::part_seconds_for(channel, normal_server) == 0);
  CHECK(live::part_seconds_for(channel, low_server) == 0.4);
  channel.latency_mode = "low";
  CHECK(live::part_seconds_for(channel, normal_server) == 0.4);
  CHECK(live::part_seconds_for(channel, low_server) == 0.4);
  channel.latency_mode = "normal";
  CHECK(live::part_seconds_for(channel, low_server) == 0);
  // A part target that does not fit the segments stays normal.
  channel.latency_mode = "low";
  normal_server.channel.segment_seconds = 0.6;
  CHECK(live::part_seconds_for(channel, normal_server) == 0);

  // Through the service: a "low" channel on a normal server gets LL-HLS.
  TempDir dir;
  CapturedLog log;
  FakeRecordings recordings;
  FakeDirectory directory;
  directory.latency_mode = "low";
  boost::asio::io_context ioc;
  boost::asio::thread_pool pool(1);
  live::LiveServiceOptions options;
  options.channel = small_window(dir.path());
  options.low_latency_part_seconds = 0.3;
  live::LiveService service(ioc, log.logger(), directory, recordings, pool.get_executor(), options);
  auto decision = service.begin_publish({"live", "key", "127.0.0.1"});
  REQUIRE(decision.publisher);
  const auto live_channel = service.find("studio");
  REQUIRE(live_channel);
  CHECK(live_channel->part_seconds() == 0.3);
  CHECK(live_channel->held_requests() != nullptr);
  REQUIRE(eventually([&] { return live_channel->status().publishing; }));
  decision.publisher->on_stream_info(h264_aac_stream(true, false));
  for (auto& packet : video_seconds(3)) decision.publisher->on_packet(packet);
  REQUIRE(eventually([&] { return live_channel->status().segments >= 2; }));
  CHECK(live_channel->snapshot()->media_playlists.at("v0")->text.find("#EXT-X-PART-INF:PART-TARGET=0.300") !=
        std::string::npos);
  decision.publisher->finish();
  service.stop();
  REQUIRE(eventually([&] { return live_channel->finished(); }));
  pool.join();
}

}  // namespace tidecast::test
