#pragma once
// The live subsystem's front door. As the RTMP server's PublishGateway it
// checks stream keys, refuses a second publisher on a live channel, and turns
// each accepted publish into media on a media::Stream read by the channel's
// LiveChannel. A publisher that drops without unpublishing has
// `reconnect_grace_seconds` to come back and continue the same presentation.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "live/cluster_view.hpp"
#include "live/live_channel.hpp"
#include "rtmp/publish_gateway.hpp"

namespace tidecast::live {

struct LiveServiceOptions {
  LiveOptions channel;
  unsigned reconnect_grace_seconds = 10;
  // How long /live/<channel>/ still serves a presentation after it ended, so
  // players that were watching see its end (EXT-X-ENDLIST, a static MPD).
  std::chrono::milliseconds ended_linger{10000};
  // The part target of a channel set to "low" (live.part_seconds), whatever
  // the server's own latency mode (channel.part_seconds: 0 when normal).
  double low_latency_part_seconds = 0;
};

// The part target a publish of `channel` starts with: its own latency mode
// (ChannelRef::latency_mode) or the server's; 0 is normal latency. A part
// target that does not fit the segments (over half of them) stays normal.
double part_seconds_for(const ChannelRef& channel, const LiveServiceOptions& options);

class LiveService : public rtmp::PublishGateway {
 public:
  LiveService(boost::asio::io_context& ioc, core::Logger& log, ChannelDirectory& directory,
              RecordingCatalog& recordings, LiveChannel::Executor cpu, LiveServiceOptions options);
  ~LiveService() override;

  rtmp::PublishDecision begin_publish(const rtmp::PublishRequest& request) override;
  // A cluster's numbering (set once, before the first publish): presentations
  // continue the channel's numbers from its previous owner.
  void set_numbering(NumberingSource* source) { numbering_ = source; }
  const LiveServiceOptions& options() const { return options_; }
  // A cluster's view of other nodes (set once, before serving; null on a single box).
  void set_cluster_view(const ClusterView* view) { cluster_view_ = view; }
  // Channels live on other nodes of the cluster (none on a single box).
  std::vector<RemoteChannel> live_elsewhere() const;
  // The channel's viewers over the whole cluster; `local` (this node's count) on a single box.
  std::size_t viewers(std::string_view channel, std::size_t local) const;

  // The channel's current or most recent presentation, ended or not (its
  // status); what players get is playable()'s.
  std::shared_ptr<LiveChannel> find(std::string_view channel) const;
  // What /live/<channel>/ serves: the presentation in progress, or one that
  // ended less than `ended_linger` ago; null when the channel is offline.
  std::shared_ptr<LiveChannel> playable(std::string_view channel) const;
  // Channels with a presentation in progress (publishing or within the grace period).
  std::vector<std::shared_ptr<LiveChannel>> live_channels() const;
  // Ends every presentation (server shutdown).
  void stop();

 private:
  class StreamPublisher;
  struct Entry {
    std::shared_ptr<LiveChannel> channel;
    bool publishing = false;
    // The presentation was told to end (clean unpublish, grace expired). Set
    // under mutex_ when finish() is queued, so a publish right after it starts
    // a fresh presentation instead of attaching to the ending one.
    bool ending = false;
    std::chrono::steady_clock::time_point ended_at;
    std::unique_ptr<boost::asio::steady_timer> grace;
    std::shared_ptr<PeriodIds> period_ids = std::make_shared<PeriodIds>();
  };
  void publisher_gone(const std::string& channel, bool clean);
  static void end_presentation(Entry& entry);

  boost::asio::io_context& ioc_;
  core::Logger& log_;
  ChannelDirectory& directory_;
  RecordingCatalog& recordings_;
  LiveChannel::Executor cpu_;
  LiveServiceOptions options_;
  NumberingSource* numbering_ = nullptr;
  const ClusterView* cluster_view_ = nullptr;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  bool stopping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards timer callbacks after destruction
};

}  // namespace tidecast::live
