#include "api/storage_routes.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/json_body.hpp"
#include "catalog/database.hpp"
#include "catalog/job_lease_repository.hpp"
#include "vod/fenced_publish.hpp"

namespace tidecast::api {

namespace {

namespace fs = std::filesystem;
using http::Status;
using field = http::beast_http::field;

constexpr std::uint64_t kMaxPiece = 16u << 20;
constexpr std::uint64_t kMaxOutputFile = std::uint64_t{64} << 30;

struct Shared {
  Shared(StorageRouteDeps d, catalog::Database database)
      : deps(std::move(d)), db(std::move(database)), videos_dir(deps.data_dir / "videos") {}
  StorageRouteDeps deps;
  std::mutex mutex;  // guards db
  catalog::Database db;
  fs::path videos_dir;
};

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

// "bytes=a-b" or "bytes=a-" → [a, b]; nullopt for anything else.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_range(std::string_view header, std::uint64_t size) {
  if (!header.starts_with("bytes=")) return std::nullopt;
  header.remove_prefix(6);
  const std::size_t dash = header.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::uint64_t first = 0;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  const auto a = header.substr(0, dash);
  const auto b = header.substr(dash + 1);
  if (std::from_chars(a.data(), a.data() + a.size(), first).ec != std::errc()) return std::nullopt;
  if (!b.empty() && std::from_chars(b.data(), b.data() + b.size(), last).ec != std::errc()) return std::nullopt;
  if (first >= size || last < first) return std::nullopt;
  return std::pair{first, std::min(last, size - 1)};
}

http::Response serve_original(Shared& s, const http::Request& request, std::string_view id) {
  if (id.empty() || id.find('/') != std::string_view::npos || id.starts_with('.')) {
    return http::make_json_error(Status::bad_request, "bad_id", "not a video id");
  }
  const fs::path file = s.deps.data_dir / "originals" / std::string(id);
  std::error_code ec;
  const std::uint64_t size = fs::file_size(file, ec);
  if (ec) return http::make_json_error(Status::not_found, "not_found", "no original for this video here");
  std::uint64_t first = 0;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  bool ranged = false;
  if (const auto header = request[field::range]; !header.empty()) {
    const auto range = parse_range(header, size);
    if (!range) return http::make_json_error(Status::range_not_satisfiable, "bad_range", "unsatisfiable range");
    std::tie(first, last) = *range;
    ranged = true;
  }
  if (size > 0 && last - first + 1 > kMaxPiece) {
    last = first + kMaxPiece - 1;
    ranged = true;
  }
  std::string bytes(size == 0 ? 0 : last - first + 1, '\0');
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(first));
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) return http::make_json_error(Status::internal_server_error, "read_failed", "cannot read the original");
  http::Response res = http::make_response(ranged ? Status::partial_content : Status::ok,
                                           http::bytes_of(std::move(bytes)), "application/octet-stream");
  if (ranged) res.set(field::content_range, fmt::format("bytes {}-{}/{}", first, last, size));
  return res;
}

// One output file of an attempt, written as <name>.part and renamed at the end.
class AttemptFileSink : public http::BodySink {
 public:
  explicit AttemptFileSink(fs::path file) : file_(std::move(file)), part_(file_.string() + ".part") {
    fs::create_directories(file_.parent_path());
    out_.open(part_, std::ios::binary | std::ios::trunc);
    if (!out_) throw std::runtime_error(fmt::format("cannot write {}", part_.string()));
  }
  std::optional<http::Response> write(const char* data, std::size_t size) override {
    out_.write(data, static_cast<std::streamsize>(size));
    if (!out_) return http::make_json_error(Status::insufficient_storage, "write_failed", "cannot write the file");
    return std::nullopt;
  }
  http::Response finish() override {
    out_.close();
    std::error_code ec;
    fs::rename(part_, file_, ec);
    if (ec) return http::make_json_error(Status::internal_server_error, "write_failed", ec.message());
    return http::make_json(Status::created, {{"stored", file_.filename().string()}});
  }
  void abort() noexcept override {
    out_.close();
    std::error_code ec;
    fs::remove(part_, ec);
  }

 private:
  fs::path file_;
  fs::path part_;
  std::ofstream out_;
};

http::StreamStart put_attempt_file(Shared& s, const http::RequestHead& head, const http::RouteContext& context) {
  if (const std::string why = s.deps.verify(head); !why.empty()) {
    return http::StreamStart::refuse(http::make_json_error(Status::forbidden, "cluster_auth", why));
  }
  const auto job = parse_id(context.param("job"));
  const std::string token(context.param("token"));
  const std::string file(context.param("*"));
  if (!job || !vod::valid_attempt_token(token) || file.empty() || file.ends_with(".part")) {
    return http::StreamStart::refuse(http::make_json_error(Status::bad_request, "bad_attempt", "bad attempt path"));
  }
  try {
    std::lock_guard lock(s.mutex);
    if (!catalog::JobLeaseRepository(s.db).holds(*job, token)) {
      return http::StreamStart::refuse(
          http::make_json_error(Status::conflict, "stale_lease", "this lease no longer holds the job"));
    }
  } catch (const std::exception& e) {
    return http::StreamStart::refuse(
        http::make_json_error(Status::service_unavailable, "catalog_unavailable", e.what()));
  }
  try {
    auto sink = std::make_unique<AttemptFileSink>(vod::attempt_dir(s.videos_dir, *job, token) / file);
    return http::StreamStart::accept(std::move(sink), kMaxOutputFile);
  } catch (const std::exception& e) {
    s.deps.log.error("storage", "cannot store attempt file job={} error=\"{}\"", *job, e.what());
    return http::StreamStart::refuse(http::make_json_error(Status::insufficient_storage, "write_failed", e.what()));
  }
}

http::Response commit(Shared& s, const http::Request& request, std::string_view job_text) {
  const auto job = parse_id(job_text);
  auto parsed = parse_json_object(request);
  if (auto* error = std::get_if<http::Response>(&parsed)) return std::move(*error);
  const auto& body = std::get<nlohmann::json>(parsed);
  const std::string token = body.contains("token") && body["token"].is_string() ? body["token"].get<std::string>() : "";
  if (!job || !vod::valid_attempt_token(token) || !body.contains("result")) {
    return http::make_json_error(Status::bad_request, "bad_commit", "expected {\"token\", \"result\"}");
  }
  vod::ConversionResult result;
  try {
    result = vod::result_from_json(body.at("result"));
  } catch (const std::invalid_argument& e) {
    return http::make_json_error(Status::bad_request, "bad_result", e.what());
  }
  vod::CommitOutcome outcome;
  try {
    std::lock_guard lock(s.mutex);
    outcome = vod::commit_attempt(s.db, s.videos_dir, *job, token, result);
  } catch (const std::exception& e) {
    s.deps.log.error("storage", "commit failed job={} error=\"{}\"", *job, e.what());
    return http::make_json_error(Status::service_unavailable, "commit_failed", e.what());
  }
  switch (outcome) {
    case vod::CommitOutcome::published:
      s.deps.log.info("storage", "published job={} (fenced commit)", *job);
      return http::make_json(Status::ok, {{"state", "published"}});
    case vod::CommitOutcome::stale:
      s.deps.log.warn("storage", "refused stale commit job={} (its lease moved on; files removed)", *job);
      return http::make_json_error(Status::conflict, "stale_lease", "this lease no longer holds the job");
    case vod::CommitOutcome::gone:
      break;
  }
  return http::make_json_error(Status::gone, "gone", "the video or job was deleted");
}

}  // namespace

void add_storage_routes(http::Router& internal, http::Router& streaming, StorageRouteDeps deps) {
  auto db = catalog::Database::open_location(deps.catalog_location);
  auto s = std::make_shared<Shared>(std::move(deps), std::move(db));
  internal.add(http::Verb::get, "/internal/v1/storage/originals/{id}",
               [s](const http::Request& request, const http::RouteContext& context) {
                 return serve_original(*s, request, context.param("id"));
               });
  internal.add(http::Verb::post, "/internal/v1/storage/jobs/{job}/commit",
               [s](const http::Request& request, const http::RouteContext& context) {
                 return commit(*s, request, context.param("job"));
               });
  streaming.add_streaming(http::Verb::put, "/internal/v1/storage/attempts/{job}/{token}/*",
                          [s](const http::RequestHead& head, const http::RouteContext& context) {
                            return put_attempt_file(*s, head, context);
                          });
}

}  // namespace tidecast::api
