#include "live/live_service.hpp"

namespace tidecast::live {

class LiveService::StreamPublisher : public rtmp::Publisher {
 public:
  StreamPublisher(LiveService& service, std::string channel, std::shared_ptr<media::Stream> stream)
      : service_(service), channel_(std::move(channel)), stream_(std::move(stream)) {}
  ~StreamPublisher() override {
    stream_->end();
    service_.publisher_gone(channel_, finished_);
  }
  const std::string& channel() const override { return channel_; }
  void finish() override { finished_ = true; }
  void on_stream_info(const media::StreamInfo& info) override { stream_->set_info(info); }
  void on_packet(media::PacketPtr packet) override { stream_->publish(std::move(packet)); }
  void on_packets(std::span<media::PacketPtr> packets) override { stream_->publish(packets); }

 private:
  LiveService& service_;
  std::string channel_;
  std::shared_ptr<media::Stream> stream_;
  bool finished_ = false;
};

LiveService::LiveService(boost::asio::io_context& ioc, core::Logger& log, ChannelDirectory& directory,
                         RecordingCatalog& recordings, LiveChannel::Executor cpu, LiveServiceOptions options)
    : ioc_(ioc), log_(log), directory_(directory), recordings_(recordings), cpu_(cpu), options_(std::move(options)) {}

LiveService::~LiveService() {
  *alive_ = false;
}

rtmp::PublishDecision LiveService::begin_publish(const rtmp::PublishRequest& request) {
  std::optional<ChannelRef> channel;
  try {
    channel = directory_.find_by_stream_key(request.stream_key);
  } catch (const std::exception& e) {
    log_.error("live", "stream key lookup failed error=\"{}\"", e.what());
    return {nullptr, "NetStream.Publish.Denied", "server error while checking the stream key"};
  }
  if (!channel) {
    log_.warn("live", "publish refused reason=\"unknown stream key\" remote={}", request.remote);
    return {nullptr, "NetStream.Publish.BadName", "unknown stream key"};
  }

  // Before the lock: a cluster reads (and reserves) the numbering in the catalog.
  std::optional<NumberingClaim> claim;
  if (numbering_) {
    try {
      claim = numbering_->begin(*channel);
    } catch (const std::exception& e) {
      log_.error("live", "numbering unavailable channel={} error=\"{}\"", channel->name, e.what());
      return {nullptr, "NetStream.Publish.Failed", "the cluster catalog is unavailable; try again shortly"};
    }
  }

  std::lock_guard lock(mutex_);
  if (stopping_) return {nullptr, "NetStream.Publish.Denied", "server is shutting down"};
  Entry& entry = entries_[channel->name];
  if (entry.publishing) {
    log_.warn("live", "publish refused reason=\"already live\" channel={} remote={}", channel->name, request.remote);
    return {nullptr, "NetStream.Publish.BadName", "this channel is already live"};
  }
  // The channel's finish() runs later on its strand; `ending` is what decides.
  bool resuming = entry.channel && !entry.ending && !entry.channel->finished();
  if (resuming && claim && !claim->resumable) {
    // Another node published the channel meanwhile, with higher numbers.
    log_.info("live", "not resuming channel={}: published on another node meanwhile", channel->name);
    end_presentation(entry);
    resuming = false;
  }
  if (entry.grace) entry.grace->cancel();
  entry.grace.reset();
  if (!resuming) {
    LiveOptions options = options_.channel;
    options.part_seconds = part_seconds_for(*channel, options_);
    options.period_ids = entry.period_ids;  // unique segment URLs even when the last one began this second
    if (claim) options.numbering = claim->start;
    entry.channel = std::make_shared<LiveChannel>(*channel, std::move(options), log_, recordings_, cpu_);
    entry.ending = false;
  }
  auto stream = std::make_shared<media::Stream>(channel->name);
  if (!channel->ladder_error.empty()) {
    log_.warn("live", "channel ladder choice unreadable channel={} error=\"{}\" (using the configured ladder)",
              channel->name, channel->ladder_error);
  }
  entry.channel->attach(stream, channel->ladder);
  entry.publishing = true;
  log_.info("live", "{} channel={} remote={}", resuming ? "publisher reconnected" : "live started", channel->name,
            request.remote);
  return {std::make_unique<StreamPublisher>(*this, channel->name, std::move(stream)), {}, {}};
}

void LiveService::publisher_gone(const std::string& name, bool clean) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(name);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  entry.publishing = false;
  if (stopping_) return;  // stop() already ended every presentation
  if (clean || options_.reconnect_grace_seconds == 0) {
    end_presentation(entry);
    return;
  }
  log_.info("live", "waiting for reconnect channel={} grace_seconds={}", name, options_.reconnect_grace_seconds);
  entry.grace =
      std::make_unique<boost::asio::steady_timer>(ioc_, std::chrono::seconds(options_.reconnect_grace_seconds));
  entry.grace->async_wait([this, alive = std::weak_ptr<bool>(alive_), name,
                           channel = std::weak_ptr<LiveChannel>(entry.channel)](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(name);
    if (found == entries_.end() || found->second.publishing || found->second.channel != channel.lock()) return;
    log_.info("live", "no reconnect within grace channel={}", name);
    end_presentation(found->second);
  });
}

std::shared_ptr<LiveChannel> LiveService::find(std::string_view channel) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(channel);
  return it == entries_.end() ? nullptr : it->second.channel;
}

std::shared_ptr<LiveChannel> LiveService::playable(std::string_view channel) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(channel);
  if (it == entries_.end() || !it->second.channel) return nullptr;
  const Entry& entry = it->second;
  if (entry.ending && std::chrono::steady_clock::now() - entry.ended_at >= options_.ended_linger) return nullptr;
  return entry.channel;
}

std::vector<std::shared_ptr<LiveChannel>> LiveService::live_channels() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<LiveChannel>> out;
  for (const auto& [name, entry] : entries_) {
    if (entry.channel && !entry.ending && !entry.channel->finished()) out.push_back(entry.channel);
  }
  return out;
}

std::vector<RemoteChannel> LiveService::live_elsewhere() const {
  if (!cluster_view_) return {};
  auto remote = cluster_view_->live_elsewhere();
  // A channel this node publishes is this node's, whatever a stale lease says.
  std::erase_if(remote, [this](const RemoteChannel& r) {
    const auto local = find(r.channel);
    return local && !local->finished() && local->status().publishing;
  });
  return remote;
}

std::size_t LiveService::viewers(std::string_view channel, std::size_t local) const {
  if (!cluster_view_) return local;
  return cluster_view_->viewers(channel).value_or(local);
}

void LiveService::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  for (auto& [name, entry] : entries_) {
    entry.grace.reset();  // timers must not outlive the io_context's run
    if (entry.channel) end_presentation(entry);
  }
}

void LiveService::end_presentation(Entry& entry) {
  if (!entry.ending) entry.ended_at = std::chrono::steady_clock::now();
  entry.ending = true;
  entry.channel->finish();
}

}  // namespace tidecast::live
