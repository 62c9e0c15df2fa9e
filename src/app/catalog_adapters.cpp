#include "app/catalog_adapters.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <string_view>

#include "catalog/cluster_node_repository.hpp"
#include "core/clock.hpp"

namespace tidecast::app {

std::optional<live::ChannelRef> CatalogChannelDirectory::find_by_stream_key(const std::string& stream_key) {
  if (stream_key.empty()) return std::nullopt;
  const auto channel = channels_.find_by_stream_key(stream_key);
  if (!channel) return std::nullopt;
  live::ChannelRef ref;
  ref.id = channel->id;
  ref.name = channel->name;
  ref.title = channel->title;
  if (const auto ladder = channels_.ladder(channel->id)) {
    try {
      ref.ladder = transcode::parse_ladder_choice(*ladder);
    } catch (const std::exception& e) {
      ref.ladder_error = e.what();
    }
  }
  ref.latency_mode = channels_.latency_mode(channel->id);
  return ref;
}

std::string CatalogRecordings::begin_recording(const live::ChannelRef& channel) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &utc);
  catalog::NewVideo video;
  video.title = fmt::format("{} — live {}", channel.title.empty() ? channel.name : channel.title, when);
  video.origin = catalog::VideoOrigin::live;
  video.channel_id = channel.id;
  video.state = catalog::VideoState::processing;
  // The recording belongs to whoever owns the channel, and a private channel's is private.
  const auto row = channels_.find_by_name(channel.name);
  if (row) video.owner_id = row->owner_id;
  if (!node_.empty()) video.stored_on = node_;
  const std::string id = videos_.create(video).id;
  if (row && row->visibility == "private") videos_.update(id, {std::nullopt, std::nullopt, "private"});
  return id;
}

void CatalogRecordings::finish_recording(const std::string& video_id, const live::RecordingSummary& summary) {
  videos_.set_media_info(video_id, summary.duration_ms, summary.width, summary.height);
  if (!node_.empty() && db_) catalog::ClusterNodeRepository(*db_).set_extras(video_id, summary.extras);
  videos_.set_state(video_id, catalog::VideoState::ready);
}

void CatalogRecordings::fail_recording(const std::string& video_id, const std::string& reason) {
  videos_.set_state(video_id, catalog::VideoState::failed, reason);
}

std::size_t fail_interrupted_recordings(catalog::Database& db) {
  const std::int64_t changed =
      db.prepare(
            "UPDATE videos SET state = 'failed', failure_reason = ?, updated_at = ? "
            "WHERE origin = 'live' AND state = 'processing'")
          .bind_all(std::string_view("interrupted: the server stopped while recording (crash or kill)"),
                    core::unix_now_ms())
          .run();
  return static_cast<std::size_t>(changed);
}

std::string catalog_location(const Config& config) {
  return config.cluster.enabled ? config.cluster.database : (config.data_dir / "tidecast.db").string();
}

}  // namespace tidecast::app
