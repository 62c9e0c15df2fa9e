#include "cluster/ownership.hpp"

#include <fmt/format.h>

namespace tidecast::cluster {

namespace {

// A publisher whose media goes on only while this node holds the lease.
class LeasedPublisher : public rtmp::Publisher {
 public:
  LeasedPublisher(std::unique_ptr<rtmp::Publisher> inner, LeaseKeeper& keeper, std::int64_t channel_id,
                  std::int64_t epoch)
      : inner_(std::move(inner)), keeper_(keeper), channel_id_(channel_id), epoch_(epoch) {}
  ~LeasedPublisher() override {
    inner_.reset();  // the presentation sees the publisher go first
    keeper_.release(channel_id_, epoch_);
  }

  void finish() override { inner_->finish(); }
  const std::string& channel() const override { return inner_->channel(); }
  void on_stream_info(const media::StreamInfo& info) override {
    if (!keeper_.fenced(channel_id_, epoch_)) inner_->on_stream_info(info);
  }
  void on_packet(media::PacketPtr packet) override {
    if (!keeper_.fenced(channel_id_, epoch_)) inner_->on_packet(std::move(packet));
  }
  // One read's packets in one hand-off, as without a cluster (one fence check per read).
  void on_packets(std::span<media::PacketPtr> packets) override {
    if (!keeper_.fenced(channel_id_, epoch_)) inner_->on_packets(packets);
  }

 private:
  std::unique_ptr<rtmp::Publisher> inner_;
  LeaseKeeper& keeper_;
  std::int64_t channel_id_;
  std::int64_t epoch_;
};

}  // namespace

LeaseKeeper::LeaseKeeper(boost::asio::io_context& ioc, core::Logger& log, LeaseStore& store,
                         std::chrono::milliseconds ttl)
    : ioc_(ioc), log_(log), store_(store), ttl_(ttl), timer_(ioc) {}

LeaseKeeper::~LeaseKeeper() {
  stop();
}

void LeaseKeeper::start() {
  schedule();
}

void LeaseKeeper::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  timer_.cancel();
}

void LeaseKeeper::schedule() {
  timer_.expires_after(ttl_ / 3);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    renew_all();
    std::lock_guard lock(mutex_);
    if (!stopped_) schedule();
  });
}

std::optional<std::int64_t> LeaseKeeper::acquire(std::int64_t channel_id, const std::string& channel,
                                                 std::string& holder) {
  const auto epoch = store_.acquire(channel_id, holder);
  if (!epoch) return std::nullopt;
  std::lock_guard lock(mutex_);
  held_[channel_id] = {channel, *epoch, std::chrono::steady_clock::now(), false};
  log_.info("cluster", "lease taken channel={} epoch={}", channel, *epoch);
  return epoch;
}

void LeaseKeeper::release(std::int64_t channel_id, std::int64_t epoch) {
  {
    std::lock_guard lock(mutex_);
    const auto it = held_.find(channel_id);
    if (it == held_.end() || it->second.epoch != epoch) return;  // a newer publish holds it now
    held_.erase(it);
  }
  try {
    store_.release(channel_id, epoch);
  } catch (const std::exception& e) {
    // It expires by itself; another node waits out its lifetime.
    log_.warn("cluster", "lease release failed channel_id={} error=\"{}\"", channel_id, e.what());
  }
}

bool LeaseKeeper::owns(const std::string& channel) const {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  for (const auto& [id, held] : held_) {
    if (held.channel == channel) return !held.fenced && now - held.attempted < ttl_;
  }
  return false;
}

bool LeaseKeeper::fenced(std::int64_t channel_id, std::int64_t epoch) const {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  const auto it = held_.find(channel_id);
  if (it == held_.end() || it->second.epoch != epoch) return true;
  // No renewal even tried within the lease's lifetime: this process was
  // paused, and another node may own the channel already.
  return it->second.fenced || now - it->second.attempted >= ttl_;
}

std::vector<LeaseKeeper::HeldLease> LeaseKeeper::held() const {
  const auto now = std::chrono::steady_clock::now();
  std::vector<HeldLease> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, lease] : held_) {
    if (!lease.fenced && now - lease.attempted < ttl_) out.push_back({id, lease.channel, lease.epoch});
  }
  return out;
}

void LeaseKeeper::renew_all() {
  std::map<std::int64_t, Held> held;
  {
    std::lock_guard lock(mutex_);
    held = held_;
  }
  for (const auto& [id, lease] : held) {
    if (lease.fenced) continue;
    bool renewed = false;
    bool lost = false;
    try {
      renewed = store_.renew(id, lease.epoch);
      lost = !renewed;
    } catch (const std::exception& e) {
      log_.warn("cluster", "lease renewal failed channel={} error=\"{}\"", lease.channel, e.what());
    }
    std::lock_guard lock(mutex_);
    const auto it = held_.find(id);
    if (it == held_.end() || it->second.epoch != lease.epoch) continue;
    it->second.attempted = std::chrono::steady_clock::now();
    if (lost) {
      it->second.fenced = true;
      log_.warn("cluster",
                "lease lost channel={} epoch={}: another node owns the channel now; this node stops "
                "writing for it",
                lease.channel, lease.epoch);
    }
  }
}

rtmp::PublishDecision OwnedPublishGateway::begin_publish(const rtmp::PublishRequest& request) {
  if (!ingest_) {
    log_.info("cluster", "publish refused remote={}: this node has no ingest role", request.remote);
    return {nullptr, "NetStream.Publish.BadName", "this node does not take publishes (no ingest role)"};
  }
  std::optional<live::ChannelRef> channel;
  try {
    channel = directory_.find_by_stream_key(request.stream_key);
  } catch (const std::exception& e) {
    return {nullptr, "NetStream.Publish.Failed", fmt::format("the catalog is unavailable ({})", e.what())};
  }
  if (!channel) return inner_.begin_publish(request);  // refused there, with its usual answer
  std::string holder;
  std::optional<std::int64_t> epoch;
  try {
    epoch = keeper_.acquire(channel->id, channel->name, holder);
  } catch (const std::exception& e) {
    log_.warn("cluster", "publish refused channel={} remote={}: lease unavailable error=\"{}\"", channel->name,
              request.remote, e.what());
    return {nullptr, "NetStream.Publish.Failed", "the cluster catalog is unavailable; try again shortly"};
  }
  if (!epoch) {
    log_.info("cluster", "publish refused channel={} remote={}: live on node {}", channel->name, request.remote,
              holder);
    return {nullptr, "NetStream.Publish.BadName", fmt::format("channel {} is live on another node", channel->name)};
  }
  rtmp::PublishDecision decision = inner_.begin_publish(request);
  if (!decision.publisher) {
    keeper_.release(channel->id, *epoch);
    return decision;
  }
  decision.publisher = std::make_unique<LeasedPublisher>(std::move(decision.publisher), keeper_, channel->id, *epoch);
  return decision;
}

}  // namespace tidecast::cluster
