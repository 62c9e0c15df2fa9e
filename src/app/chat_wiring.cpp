#include "app/chat_wiring.hpp"

#include <chrono>
#include <mutex>

#include "catalog/chat_repository.hpp"
#include "catalog/cluster_node_repository.hpp"
#include "catalog/lease_repository.hpp"
#include "chat/routes.hpp"
#include "core/clock.hpp"

namespace tidecast::app {

namespace {

chat::ChatMessage to_message(const catalog::ChatRow& row) {
  chat::ChatMessage m;
  m.id = row.id;
  m.author = row.author;
  m.guest = row.guest;
  m.text = row.text;
  m.at_ms = row.created_ms;
  m.stream_ms = row.stream_ms;
  m.nonce = row.nonce;
  m.user_id = row.user_id;
  m.address = row.address;
  return m;
}

// The cluster's node list changes slowly; one catalog read per couple of seconds, not per connection.
class NodeCache {
 public:
  explicit NodeCache(catalog::Database& db) : db_(db) {}
  std::vector<chat::NodeAddress> nodes() {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now >= until_) {
      nodes_.clear();
      // Nodes that registered within the last 15 s (they upsert every 3 s) and serve viewers.
      for (auto& [name, url] : catalog::ClusterNodeRepository(db_).seen_since(core::unix_now_ms() - 15'000, "serve")) {
        nodes_.push_back({.node = std::move(name), .url = std::move(url)});
      }
      until_ = now + std::chrono::seconds(2);
    }
    return nodes_;
  }

 private:
  catalog::Database& db_;
  std::mutex mutex_;
  std::vector<chat::NodeAddress> nodes_;
  std::chrono::steady_clock::time_point until_{};
};

chat::ChatLimits limits_from(const ChatConfig& config) {
  chat::ChatLimits limits;
  limits.history = config.history;
  limits.max_message_chars = config.max_message_chars;
  limits.rate = {.burst = config.messages_burst, .refill_ms = config.message_refill_ms};
  limits.idle_seconds = config.idle_seconds;
  return limits;
}

}  // namespace

class ChatWiring::Store : public chat::ChatStore {
 public:
  explicit Store(catalog::Database& db) : repo_(db) {}

  chat::ChatMessage add(std::int64_t channel_id, chat::ChatMessage message,
                        const std::optional<std::string>& video_id) override {
    catalog::ChatRow row;
    row.channel_id = channel_id;
    row.video_id = video_id;
    row.user_id = message.user_id;
    row.author = message.author;
    row.guest = message.guest;
    row.address = message.address;
    row.text = message.text;
    row.created_ms = message.at_ms;
    row.stream_ms = message.stream_ms;
    row.nonce = message.nonce;
    message.id = repo_.add(row);
    return message;
  }
  bool remove(std::int64_t channel_id, std::int64_t id) override { return repo_.remove(channel_id, id); }
  std::optional<chat::ChatMessage> find(std::int64_t channel_id, std::int64_t id) override {
    auto row = repo_.find(channel_id, id);
    if (!row) return std::nullopt;
    return to_message(*row);
  }
  std::vector<chat::ChatMessage> recent(std::int64_t channel_id, std::size_t limit) override {
    std::vector<chat::ChatMessage> out;
    for (const auto& row : repo_.recent(channel_id, limit)) out.push_back(to_message(row));
    return out;
  }
  std::vector<chat::ChatMessage> replay(const std::string& video_id) override {
    std::vector<chat::ChatMessage> out;
    for (const auto& row : repo_.for_video(video_id)) out.push_back(to_message(row));
    return out;
  }
  chat::RoomSettings settings(std::int64_t channel_id) override {
    const auto row = repo_.settings(channel_id);
    return {.slow_seconds = row.slow_seconds, .links = row.links, .guests = row.guests};
  }
  void save_settings(std::int64_t channel_id, const chat::RoomSettings& s) override {
    repo_.save_settings(channel_id, {.slow_seconds = s.slow_seconds, .links = s.links, .guests = s.guests});
  }
  std::vector<chat::Ban> bans(std::int64_t channel_id, std::int64_t now_ms) override {
    std::vector<chat::Ban> out;
    for (auto& row : repo_.bans(channel_id, now_ms)) {
      out.push_back({.user_id = row.user_id,
                     .address = std::move(row.address),
                     .until_ms = row.until_ms,
                     .id = row.id,
                     .author = std::move(row.author)});
    }
    return out;
  }
  void add_ban(std::int64_t channel_id, const chat::Ban& ban) override {
    repo_.add_ban(channel_id,
                  {.user_id = ban.user_id, .address = ban.address, .until_ms = ban.until_ms, .id = 0, .author = {}},
                  core::unix_now_ms());
  }
  void lift_bans(std::int64_t channel_id, const std::optional<std::int64_t>& user_id,
                 const std::string& address) override {
    repo_.lift_bans(channel_id, user_id, address);
  }
  std::optional<chat::Ban> lift_ban(std::int64_t channel_id, std::int64_t ban_id) override {
    auto row = repo_.lift_ban(channel_id, ban_id);
    if (!row) return std::nullopt;
    return chat::Ban{.user_id = row->user_id,
                     .address = std::move(row->address),
                     .until_ms = row->until_ms,
                     .id = row->id,
                     .author = std::move(row->author)};
  }

 private:
  catalog::ChatRepository repo_;
};

// A message's time in the stream: how long the channel's presentation has
// been running (its recording starts with the presentation's first segment).
class ChatWiring::Clock : public chat::StreamClock {
 public:
  explicit Clock(live::LiveService& live) : live_(live) {}
  std::optional<chat::StreamPosition> position(const std::string& channel) override {
    const auto presentation = live_.find(channel);
    if (!presentation || presentation->finished()) return std::nullopt;
    const auto status = presentation->status();
    if (status.recording_id.empty()) return std::nullopt;
    return chat::StreamPosition{.video_id = status.recording_id,
                                .offset_ms = static_cast<std::int64_t>(status.uptime_seconds * 1000.0)};
  }

 private:
  live::LiveService& live_;
};

ChatWiring::ChatWiring(boost::asio::io_context& ioc, core::Logger& log, catalog::Catalog& catalog,
                       live::LiveService& live, const api::Authenticator& auth, const std::string& cluster_node,
                       const ChatConfig& config)
    : catalog_(catalog),
      auth_(auth),
      db_(catalog::Database::open_location(catalog.location())),
      store_(std::make_unique<Store>(db_)),
      clock_(std::make_unique<Clock>(live)) {
  if (cluster_node.empty()) {
    locator_ = std::make_unique<chat::LocalRooms>();
  } else {
    auto nodes = std::make_shared<NodeCache>(db_);
    locator_ = std::make_unique<chat::ClusterRooms>(
        cluster_node,
        [this](const std::string& channel) -> std::optional<chat::NodeAddress> {
          const auto lease = catalog::LeaseRepository(db_).find_by_channel_name(channel);
          if (!lease || !lease->live) return std::nullopt;
          return chat::NodeAddress{.node = lease->node, .url = lease->node_url};
        },
        [nodes] { return nodes->nodes(); });
  }
  service_ = std::make_unique<chat::ChatService>(ioc, log, *store_, *clock_, limits_from(config));
  if (!cluster_node.empty()) {
    // A channel that went live on another node (or whose rendezvous node
    // changed) moves its room there: members here reconnect and are routed.
    service_->set_placement([this](const std::string& channel) { return locator_->locate(channel).local; });
  }
}

ChatWiring::~ChatWiring() {
  stop();
}

void ChatWiring::add_routes(http::Router& router) {
  chat::ChatRouteDeps deps{
      .service = *service_,
      .locator = *locator_,
      .identify = [this](const http::RequestHead& head) -> std::optional<chat::Viewer> {
        const auto who = auth_.resolve(head);
        if (!who) return std::nullopt;
        return chat::Viewer{.user_id = who->user_id, .name = who->name, .admin = who->admin()};
      },
      .channel = [this](std::string_view name,
                        const std::optional<chat::Viewer>& viewer) -> std::optional<chat::ChannelRef> {
        const auto channel = catalog_.channels().find_by_name(name);
        if (!channel) return std::nullopt;
        const bool manages = viewer && (viewer->admin || (viewer->user_id && channel->owner_id == viewer->user_id));
        // A private channel is watched only through signed links: its chat is its owner's and admins'.
        if (channel->visibility == "private" && !manages) return std::nullopt;
        return chat::ChannelRef{.id = channel->id, .name = channel->name, .owner_id = channel->owner_id};
      },
      .video_access = [this](const http::Request& request, std::string_view id) -> std::optional<http::Response> {
        const auto video = catalog_.videos().find(id);
        const auto who = auth_.resolve(request);
        if (!video || (video->visibility == "private" && !(who && who->may_manage(video->owner_id)))) {
          return http::make_json_error(http::Status::not_found, "not_found", "no such video");
        }
        return std::nullopt;
      },
      .sign_internal =
          [this](std::string_view target) { return signer_ ? signer_(target) : std::map<std::string, std::string>{}; },
  };
  chat::add_chat_routes(router, std::move(deps));
}

void ChatWiring::add_metrics(core::Metrics& metrics) {
  metrics.add_collector([this](std::vector<core::CollectedSample>& out) {
    auto& c = service_->counters();
    out.push_back(
        {"tidecast_chat_rooms", "Chat rooms open on this node", "gauge", {}, static_cast<double>(service_->rooms())});
    out.push_back(
        {"tidecast_chat_messages_total", "Chat messages stored", "counter", {}, static_cast<double>(c.posted.load())});
    out.push_back({"tidecast_chat_refused_total",
                   "Chat messages and commands refused",
                   "counter",
                   {},
                   static_cast<double>(c.refused.load())});
    out.push_back({"tidecast_chat_dropped_total",
                   "Chat members dropped for not reading",
                   "counter",
                   {},
                   static_cast<double>(c.dropped_slow.load())});
    out.push_back({"tidecast_chat_abuse_closed_total",
                   "Chat connections closed for floods or bad frames",
                   "counter",
                   {},
                   static_cast<double>(c.closed_abuse.load())});
  });
}

void ChatWiring::start() {
  service_->start();
}

void ChatWiring::stop() {
  if (service_) service_->stop();
}

}  // namespace tidecast::app
