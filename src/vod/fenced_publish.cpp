#include "vod/fenced_publish.hpp"

#include <fmt/format.h>

#include "catalog/cluster_node_repository.hpp"
#include "catalog/job_lease_repository.hpp"
#include "catalog/job_repository.hpp"

namespace tidecast::vod {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kAttemptPrefix = ".attempt-";
// Optional outputs a node without the files links only when the catalog says they exist.
constexpr const char* kExtraFiles[] = {"poster.jpg", "storyboard.vtt", "download.mp4"};

void remove_dir(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace

bool valid_attempt_token(std::string_view token) {
  if (token.empty() || token.size() > 64) return false;
  for (const char c : token) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum) return false;
  }
  return true;
}

fs::path attempt_dir(const fs::path& videos_dir, std::int64_t job_id, std::string_view token) {
  return videos_dir / fmt::format("{}{}-{}", kAttemptPrefix, job_id, token);
}

catalog::MediaInfo media_info_of(const ConversionResult& result) {
  catalog::MediaInfo info;
  info.duration_ms = static_cast<std::int64_t>(result.duration_seconds * 1000.0 + 0.5);
  if (result.width > 0) {
    info.width = result.width;
    info.height = result.height;
  }
  return info;
}

std::vector<catalog::Rendition> renditions_of(const ConversionResult& result) {
  std::vector<catalog::Rendition> renditions;
  for (const auto& track : result.tracks) {
    catalog::Rendition r;
    r.name = track.id;
    r.kind = track.kind;
    r.codecs = track.codecs;
    r.bandwidth = static_cast<std::int64_t>(track.bandwidth);
    if (track.kind == "video") {
      r.width = track.width;
      r.height = track.height;
    }
    renditions.push_back(std::move(r));
  }
  return renditions;
}

CommitOutcome commit_attempt(catalog::Database& db, const fs::path& videos_dir, std::int64_t job_id,
                             std::string_view token, const ConversionResult& result) {
  const fs::path attempt = attempt_dir(videos_dir, job_id, token);
  catalog::JobLeaseRepository leases(db);
  catalog::VideoRepository videos(db);
  catalog::Transaction tx(db);
  const auto job = catalog::JobRepository(db).find(job_id);
  if (!job || !leases.complete(job_id, token)) {
    remove_dir(attempt);
    return job ? CommitOutcome::stale : CommitOutcome::gone;
  }
  if (!fs::is_directory(attempt)) throw std::runtime_error(fmt::format("no files uploaded for job {}", job_id));
  if (!videos.publish(job->video_id, media_info_of(result), renditions_of(result))) {
    remove_dir(attempt);
    return CommitOutcome::gone;
  }
  std::string extras;
  for (const char* name : kExtraFiles) {
    if (!fs::is_regular_file(attempt / name)) continue;
    if (!extras.empty()) extras += ',';
    extras += name;
  }
  catalog::ClusterNodeRepository(db).set_extras(job->video_id, extras);
  const fs::path target = videos_dir / job->video_id;
  remove_dir(target);  // a commit that crashed between its rename and the database's commit
  fs::rename(attempt, target);
  tx.commit();
  return CommitOutcome::published;
}

std::size_t sweep_attempts(catalog::Database& db, const fs::path& videos_dir) {
  catalog::JobLeaseRepository leases(db);
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(videos_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kAttemptPrefix)) continue;
    const std::string_view rest = std::string_view(name).substr(kAttemptPrefix.size());
    const std::size_t dash = rest.find('-');
    if (dash == std::string_view::npos) continue;
    std::int64_t job_id = 0;
    try {
      job_id = std::stoll(std::string(rest.substr(0, dash)));
    } catch (const std::exception&) {
      continue;
    }
    if (leases.holds(job_id, rest.substr(dash + 1))) continue;
    remove_dir(entry.path());
    ++removed;
  }
  return removed;
}

nlohmann::json result_to_json(const ConversionResult& result) {
  nlohmann::json tracks = nlohmann::json::array();
  for (const auto& t : result.tracks) {
    tracks.push_back({{"id", t.id},
                      {"name", t.name},
                      {"kind", t.kind},
                      {"codecs", t.codecs},
                      {"width", t.width},
                      {"height", t.height},
                      {"bandwidth", t.bandwidth}});
  }
  return {{"duration_seconds", result.duration_seconds},
          {"width", result.width},
          {"height", result.height},
          {"tracks", tracks}};
}

ConversionResult result_from_json(const nlohmann::json& json) {
  try {
    ConversionResult result;
    result.duration_seconds = json.at("duration_seconds").get<double>();
    result.width = json.at("width").get<int>();
    result.height = json.at("height").get<int>();
    for (const auto& t : json.at("tracks")) {
      ConvertedTrack track;
      track.id = t.at("id").get<std::string>();
      track.name = t.at("name").get<std::string>();
      track.kind = t.at("kind").get<std::string>();
      track.codecs = t.at("codecs").get<std::string>();
      track.width = t.at("width").get<int>();
      track.height = t.at("height").get<int>();
      track.bandwidth = t.at("bandwidth").get<std::uint64_t>();
      if (track.kind != "video" && track.kind != "audio") throw std::invalid_argument("track kind");
      result.tracks.push_back(std::move(track));
    }
    if (result.tracks.empty()) throw std::invalid_argument("no tracks");
    return result;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("conversion result: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("conversion result: ") + e.what());
  }
}

}  // namespace tidecast::vod
