#pragma once
// Videos: uploads and finished live recordings, with their processing state.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"
#include "catalog/video_changes.hpp"

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
  std::string source_name;                   // uploaded file's name, if known
  std::optional<std::int64_t> source_bytes;  // uploaded file's size
  std::optional<std::int64_t> owner_id;      // nullopt: admin-owned (and everything from before accounts)
  std::optional<std::string> stored_on;      // cluster: the node holding its files
  std::optional<std::string> extras;         // optional files it has, comma-separated; nullopt: look on disk
  std::int64_t views = 0;                    // playback starts, once per viewer per 30 min (api/view_counter.hpp)
};

struct NewVideo {
  std::string title;
  VideoOrigin origin = VideoOrigin::upload;
  std::optional<std::int64_t> channel_id;
  VideoState state = VideoState::pending;
  std::string source_name;
  std::optional<std::int64_t> source_bytes;
  std::string id;  // empty: a fresh random id
  std::optional<std::int64_t> owner_id;
  std::optional<std::string> stored_on;  // cluster: the node holding its files
};

// A page of the catalog: which videos, which slice. Newest first.
struct VideoQuery {
  std::string title_contains;            // case-insensitive substring of the title; empty: any
  bool public_ready_only = true;         // the public listing: visibility public, state ready
  std::optional<std::int64_t> owner_id;  // only this owner's videos
  std::int64_t limit = 50;
  std::int64_t offset = 0;
  std::string channel_name;  // only this channel's recordings; empty: any
};

struct VideoPage {
  std::vector<Video> videos;
  std::int64_t total = 0;  // matches over all pages
};

// Changes through PATCH; absent fields stay.
struct VideoPatch {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> visibility;  // public | unlisted | private
};

bool is_valid_visibility(std::string_view visibility);

// One output track of a converted video (an HLS variant / DASH representation).
struct Rendition {
  std::string name;  // track id in the output: "v0", "v1", "a0"
  std::string kind;  // "video" | "audio"
  std::string codecs;
  std::optional<std::int64_t> width;
  std::optional<std::int64_t> height;
  std::optional<std::int64_t> bandwidth;  // bits per second
};

struct MediaInfo {
  std::int64_t duration_ms = 0;
  std::optional<std::int64_t> width;
  std::optional<std::int64_t> height;
};

// A fresh random video id (URL-safe, 11 characters).
std::string new_video_id();

class VideoRepository {
 public:
  // Every write bumps `changes` when given (even one that changed no row).
  explicit VideoRepository(Database& db, VideoChanges* changes = nullptr) : db_(db), changes_(changes) {}

  Video create(const NewVideo& video);
  std::optional<Video> find(std::string_view id);
  // Newest first.
  std::vector<Video> list(std::size_t limit = 100);
  // One SQL statement for the page and the total.
  VideoPage search(const VideoQuery& query);
  // Throws InvalidInput for a bad visibility or over-long text; false when unknown.
  bool update(std::string_view id, const VideoPatch& patch);
  void set_owner(std::string_view id, std::optional<std::int64_t> owner_id);
  // A failed upload goes back to pending with a fresh queued conversion job.
  // False (nothing changed) unless the video is a failed upload.
  bool retry_failed_upload(std::string_view id, std::int64_t now_ms);
  void set_state(std::string_view id, VideoState state, std::string_view failure_reason = {});
  // Adds counted views (video id -> views) in one transaction; unknown ids are skipped.
  void add_views(const std::map<std::string, std::int64_t, std::less<>>& views);
  void set_media_info(std::string_view id, std::int64_t duration_ms, std::int64_t width, std::int64_t height);
  // The probe's early figures, only while the video is not published yet
  // (publish() records the output's own).
  void set_probed_info(std::string_view id, const MediaInfo& info);
  // Marks a converted video ready with its media info and renditions. Run it
  // inside the caller's Transaction together with the job's completion. False
  // (and nothing changed) when the video no longer exists.
  bool publish(std::string_view id, const MediaInfo& info, const std::vector<Rendition>& renditions);
  std::vector<Rendition> renditions(std::string_view id);
  // Deletes the row; renditions and jobs go with it (foreign keys).
  bool remove(std::string_view id);

  // The counter this repository bumps; null when it has none.
  const VideoChanges* changes() const { return changes_; }

 private:
  Database& db_;
  VideoChanges* changes_;
};

}  // namespace tidecast::catalog
