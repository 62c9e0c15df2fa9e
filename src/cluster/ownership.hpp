#pragma once
// Channel ownership in a cluster. The RTMP front door of an ingest node is
// wrapped so that a publish first takes the channel's lease in the shared
// catalog; a channel whose lease another node holds is refused (OBS and
// FFmpeg retry, and get the channel once that node is gone). The keeper
// renews this node's leases every third of their lifetime. A lease that
// is lost (another node took it while this one was paused or cut off)
// fences this node at once: it drops the
// publisher's media and stops answering for the channel as its owner.
// A catalog that cannot be reached is not a refusal: while the keeper keeps
// trying on schedule the node goes on serving what it owns (nobody else can
// take a lease from an unreachable catalog either, and segment names are
// unique per owner); only a gap in the attempts themselves (this process was
// paused) or a refusal (the epoch moved on) fences it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "live/ports.hpp"
#include "rtmp/publish_gateway.hpp"

namespace tidecast::cluster {

// What the keeper needs of the catalog (catalog::LeaseRepository over a
// connection of its own, adapted by the composition root).
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // The new epoch, or nullopt when another node holds the channel (`holder` says who).
  virtual std::optional<std::int64_t> acquire(std::int64_t channel_id, std::string& holder) = 0;
  virtual bool renew(std::int64_t channel_id, std::int64_t epoch) = 0;
  virtual void release(std::int64_t channel_id, std::int64_t epoch) = 0;
};

class LeaseKeeper {
 public:
  LeaseKeeper(boost::asio::io_context& ioc, core::Logger& log, LeaseStore& store, std::chrono::milliseconds ttl);
  ~LeaseKeeper();

  void start();
  void stop();

  // Takes the lease; the epoch, or nullopt with `holder` set.
  std::optional<std::int64_t> acquire(std::int64_t channel_id, const std::string& channel, std::string& holder);
  void release(std::int64_t channel_id, std::int64_t epoch);
  // True while this node holds the channel's lease and renewed it in time.
  bool owns(const std::string& channel) const;
  bool fenced(std::int64_t channel_id, std::int64_t epoch) const;
  struct HeldLease {
    std::int64_t channel_id = 0;
    std::string channel;
    std::int64_t epoch = 0;
  };
  // The leases this node holds and may still write under (not fenced).
  std::vector<HeldLease> held() const;

 private:
  struct Held {
    std::string channel;
    std::int64_t epoch = 0;
    std::chrono::steady_clock::time_point attempted;  // last renewal tried (or the acquisition)
    bool fenced = false;
  };
  void schedule();
  void renew_all();

  boost::asio::io_context& ioc_;
  core::Logger& log_;
  LeaseStore& store_;
  std::chrono::milliseconds ttl_;
  boost::asio::steady_timer timer_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, Held> held_;
  bool stopped_ = false;
};

// The RTMP PublishGateway of a cluster's ingest node: a lease first, then the
// live service; the lease is released when the publisher goes.
class OwnedPublishGateway : public rtmp::PublishGateway {
 public:
  // `ingest`: this node has the ingest role; without it every publish is refused.
  OwnedPublishGateway(rtmp::PublishGateway& inner, live::ChannelDirectory& directory, LeaseKeeper& keeper,
                      core::Logger& log, bool ingest = true)
      : inner_(inner), directory_(directory), keeper_(keeper), log_(log), ingest_(ingest) {}

  rtmp::PublishDecision begin_publish(const rtmp::PublishRequest& request) override;

 private:
  rtmp::PublishGateway& inner_;
  live::ChannelDirectory& directory_;
  LeaseKeeper& keeper_;
  core::Logger& log_;
  bool ingest_;
};

}  // namespace tidecast::cluster
