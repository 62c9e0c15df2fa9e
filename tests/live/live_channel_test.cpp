#include "live/live_channel.hpp"

#include <doctest/doctest.h>

#include <thread>

#include "core/clock.hpp"
#include "live/live_test_support.hpp"
#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"

namespace tidecast::test {

namespace {

std::string playlist(const live::LiveChannel& channel) {
  const auto snapshot = channel.snapshot();
  const auto it = snapshot->media_playlists.find("v0");
  return it == snapshot->media_playlists.end() ? std::string() : it->second->text;
}

// Publishes `seconds` of video as one publisher connection and waits until
// the channel has cut its segments (all but the open last one).
void publish_period(live::LiveChannel& channel, int seconds) {
  const std::uint32_t before = channel.status().segments;
  auto stream = std::make_shared<media::Stream>("studio");
  channel.attach(stream);
  REQUIRE(eventually([&] { return channel.status().publishing; }));  // subscribed: it gets every packet
  stream->set_info(h264_aac_stream(true, false));
  for (auto& packet : video_seconds(seconds)) stream->publish(packet);
  REQUIRE(eventually([&] { return channel.status().segments >= before + seconds - 1; }));
  stream->end();
  REQUIRE(eventually([&] { return channel.status().segments >= before + seconds; }));
}

}  // namespace

TEST_CASE("the discontinuity sequence counts the periods that left the window, not seconds") {
  StudioChannel studio;
  auto& channel = studio.channel;
  auto& recordings = studio.recordings;
  auto& pool = studio.pool;
  publish_period(*channel, 3);
  CHECK(playlist(*channel).find("#EXT-X-DISCONTINUITY-SEQUENCE") == std::string::npos);

  // Period ids are clock seconds: a reconnect 2 s later made the old count jump by 2.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  publish_period(*channel, 3);
  std::string text = playlist(*channel);
  CHECK(text.find("#EXT-X-DISCONTINUITY-SEQUENCE:1\n") != std::string::npos);
  CHECK(text.find("#EXT-X-DISCONTINUITY\n") == std::string::npos);

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  publish_period(*channel, 3);
  text = playlist(*channel);
  CHECK(text.find("#EXT-X-DISCONTINUITY-SEQUENCE:2\n") != std::string::npos);

  channel->finish();
  REQUIRE(eventually([&] {
    const auto states = recordings.states();
    return channel->finished() && states.size() == 1 && states.begin()->second == "ready";
  }));
  pool.join();
}

TEST_CASE("a presentation continues the numbering it is given (a cluster's previous owner)") {
  TempDir dir;
  CapturedLog log;
  FakeRecordings recordings;
  boost::asio::thread_pool pool(1);
  auto options = small_window(dir.path());
  const auto far_period = static_cast<std::uint32_t>(core::unix_now_ms() / 1000) + 1000;
  options.numbering = live::Numbering{100, 5, far_period};
  auto channel = std::make_shared<live::LiveChannel>(studio_ref(), std::move(options), log.logger(), recordings,
                                                     pool.get_executor());
  publish_period(*channel, 3);
  const std::string text = playlist(*channel);
  // The window holds the last 2 of segments 100..102; the first period is discontinuity 5.
  CHECK(text.find("#EXT-X-MEDIA-SEQUENCE:101\n") != std::string::npos);
  CHECK(text.find("#EXT-X-DISCONTINUITY-SEQUENCE:5\n") != std::string::npos);
  CHECK(text.find(fmt::format("{}-", far_period)) != std::string::npos);  // a period id never used before
  const live::Numbering next = channel->numbering();
  CHECK(next.media_sequence == 103);
  CHECK(next.discontinuity_sequence == 6);
  CHECK(next.period == far_period + 1);
  channel->finish();
  REQUIRE(eventually([&] { return channel->finished(); }));
  pool.join();
}

TEST_CASE("a publisher's opening burst does not date the stream late") {
  StudioChannel studio;
  auto& channel = studio.channel;
  auto& pool = studio.pool;
  auto stream = std::make_shared<media::Stream>("studio");
  channel->attach(stream);
  REQUIRE(eventually([&] { return channel->status().publishing; }));
  stream->set_info(h264_aac_stream(true, false));
  // 0.5 s of frames at once (encoded before the connection was up), then real time.
  const auto packets = video_seconds(2);
  const std::int64_t burst_at = core::unix_now_ms();
  const auto paced_from = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < 5; ++i) stream->publish(packets[i]);
  for (std::size_t i = 5; i < packets.size(); ++i) {  // frame i (media i x 100 ms) at burst + (i - 5) x 100 ms
    std::this_thread::sleep_until(paced_from + std::chrono::milliseconds(100 * (i - 5)));
    stream->publish(packets[i]);
  }
  REQUIRE(eventually([&] { return channel->status().segments >= 1; }));
  const std::int64_t start = channel->snapshot()->presentation.availability_start_ms;
  // Media time 0 was sent 0.5 s before the burst arrived (a paced frame can only be later).
  CHECK(start <= burst_at - 400);
  CHECK(start >= burst_at - 600);
  stream->end();
  channel->finish();
  REQUIRE(eventually([&] { return channel->finished(); }));
  pool.join();
}

}  // namespace tidecast::test
