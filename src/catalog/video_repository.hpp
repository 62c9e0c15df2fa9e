#pragma once
// Videos: uploads and finished live recordings, with their processing state.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/sqlite.hpp"

namespace tidecast::catalog {

enum class VideoState { pending, processing, ready, failed };
enum class VideoOrigin { upload, live };

std::string_view to_string(VideoState state);
std::string_view to_string(VideoOrigin origin);

struct Video {
  std::string id;  // short random, URL-safe; used at /vod/<id>/
  std::string title;
  std::string description;
  VideoOrigin origin = VideoOrigin::upload;
  std::optional<std::int64_t> channel_id;
  VideoState state = VideoState::pending;
  std::string failure_reason;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> width;
  std::optional<std::int64_t> height;
  std::string visibility = "public";
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct NewVideo {
  std::string title;
  VideoOrigin origin = VideoOrigin::upload;
  std::optional<std::int64_t> channel_id;
  VideoState state = VideoState::pending;
};

class VideoRepository {
 public:
  explicit VideoRepository(Database& db) : db_(db) {}

  Video create(const NewVideo& video);
  std::optional<Video> find(std::string_view id);
  // Newest first.
  std::vector<Video> list(std::size_t limit = 100);
  void set_state(std::string_view id, VideoState state, std::string_view failure_reason = {});
  void set_media_info(std::string_view id, std::int64_t duration_ms, std::int64_t width, std::int64_t height);

 private:
  Database& db_;
};

}  // namespace tidecast::catalog
