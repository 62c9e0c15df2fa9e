#pragma once
// The storage node's side of a runner's conversion (cluster mode). A runner
// uploads its output into an attempt-scoped directory,
//   <videos_dir>/.attempt-<job>-<lease token>/…
// and then asks for the fenced commit: in one catalog transaction the lease
// token is checked (the job is marked done only if the token still holds
// it), the video is published with its renditions, and the attempt directory
// is renamed into place as videos/<video>/. A runner whose lease was reaped
// (it was paused or cut off, and another runner took the job) is refused and
// its files removed, so each video ends with exactly one rendition set.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"
#include "catalog/video_repository.hpp"
#include "vod/converter.hpp"

namespace tidecast::vod {

// A lease token as the catalog makes them (base62): safe in a directory name.
bool valid_attempt_token(std::string_view token);
std::filesystem::path attempt_dir(const std::filesystem::path& videos_dir, std::int64_t job_id, std::string_view token);

enum class CommitOutcome { published, stale, gone };

// The fenced commit described above. `stale`: the token no longer holds the
// job; `gone`: the video was deleted meanwhile. In both cases the attempt's
// files are removed. Throws on catalog or disk errors (nothing committed).
CommitOutcome commit_attempt(catalog::Database& db, const std::filesystem::path& videos_dir, std::int64_t job_id,
                             std::string_view token, const ConversionResult& result);

// Removes attempt directories whose token no longer holds its job (a runner
// that died or lost its lease). Returns how many were removed.
std::size_t sweep_attempts(catalog::Database& db, const std::filesystem::path& videos_dir);

// What the catalog records of a conversion's result.
catalog::MediaInfo media_info_of(const ConversionResult& result);
std::vector<catalog::Rendition> renditions_of(const ConversionResult& result);

// The result as the runner sends it to the storage node, and back (throws
// std::invalid_argument on a malformed document).
nlohmann::json result_to_json(const ConversionResult& result);
ConversionResult result_from_json(const nlohmann::json& json);

}  // namespace tidecast::vod
