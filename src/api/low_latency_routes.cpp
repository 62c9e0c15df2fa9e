#include "api/low_latency_routes.hpp"

#include <fmt/format.h>

#include <charconv>

#include "api/chunked_segment.hpp"
#include "core/clock.hpp"
#include "http/deferred_response.hpp"
#include "http/mime.hpp"
#include "http/path.hpp"
#include "http/serve_bytes.hpp"
#include "http/unavailable.hpp"
#include "live/fresh_playlist.hpp"

namespace tidecast::api {

namespace {

using field = http::beast_http::field;

// A query value that must be a non-negative 32-bit integer; nullopt for
// anything else ("", "-1", "1e3", " 1", overflow).
std::optional<std::uint32_t> parse_index(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

http::Response with_cors(http::Response res) {
  res.set(field::access_control_allow_origin, "*");
  return res;
}

http::Response playlist_of(const http::Request& request, const live::LiveSnapshot& snapshot, std::string_view track,
                           std::string_view cache_control) {
  const live::SharedManifest manifest = media_playlist_for(request, snapshot, track);
  if (!manifest) return with_cors(http::make_json_error(http::Status::not_found, "no_such_track", "no such track"));
  http::BytesBody::value_type body{manifest, manifest->text};
  return with_cors(http::serve_bytes(request, {body, "application/vnd.apple.mpegurl", manifest->etag, cache_control}));
}

http::Response file_of(const http::Request& request, const live::LiveSnapshot& snapshot, std::string_view file,
                       std::string_view cache_control) {
  const auto it = snapshot.files.find(file);
  if (it == snapshot.files.end()) {
    return with_cors(http::make_json_error(http::Status::not_found, "not_found",
                                           "segment not available (expired or not yet produced)"));
  }
  const auto& bytes = it->second;
  http::BytesBody::value_type body{bytes, {reinterpret_cast<const char*>(bytes->data()), bytes->size()}};
  const std::string etag = fmt::format("\"{}-{}\"", std::string(file), bytes->size());
  return with_cors(http::serve_bytes(request, {body, http::mime_type_for(file), etag, cache_control}));
}

http::Response unavailable(std::string_view code, std::string_view message) {
  return with_cors(http::make_unavailable(code, message));
}

}  // namespace

std::string_view media_playlist_cache(const http::Request& request, bool low_latency, bool is_private,
                                      std::string_view playlist_cache) {
  if (!low_latency || http::parse_query(request.target()).contains("_HLS_msn")) return playlist_cache;
  return is_private ? "private, no-cache" : "no-cache";
}

live::SharedManifest media_playlist_for(const http::Request& request, const live::LiveSnapshot& snapshot,
                                        std::string_view track) {
  const auto it = snapshot.media_playlists.find(track);
  if (it == snapshot.media_playlists.end()) return nullptr;
  const auto delta = snapshot.delta_playlists.find(track);
  if (delta == snapshot.delta_playlists.end() || request.target().find("_HLS_skip=") == std::string_view::npos) {
    return it->second;
  }
  // Other values ask for nothing the spec defines: the full playlist.
  const auto query = http::parse_query(request.target());
  const auto skip = query.find("_HLS_skip");
  if (skip == query.end()) return it->second;
  if (skip->second == "YES") return delta->second[0];
  if (skip->second == "v2") return delta->second[1];
  return it->second;
}

http::Response LowLatencyRoutes::refuse(const http::RouteContext& context, http::Status status, std::string_view code,
                                        std::string_view message, std::string_view channel) {
  if (const auto held_back = throttle_.allow(fmt::format("{} {}", code, context.client.address))) {
    log_.info("live", "low-latency request refused channel={} remote={} status={} reason={} suppressed={}", channel,
              context.client.address, static_cast<int>(status), code, *held_back);
  }
  http::Response res = http::make_json_error(status, code, message);
  if (status != http::Status::bad_request) res.set(field::retry_after, "1");
  res.set(field::cache_control, "no-store");
  return with_cors(std::move(res));
}

std::optional<http::Response> LowLatencyRoutes::media_playlist(const http::Request& request,
                                                               const http::RouteContext& context,
                                                               const std::shared_ptr<live::LiveChannel>& channel,
                                                               std::string_view track, std::string_view cache_control) {
  if (!channel->held_requests()) return std::nullopt;  // normal latency: the query means nothing
  const auto query = http::parse_query(request.target());
  const auto msn = query.find("_HLS_msn");
  const auto part = query.find("_HLS_part");
  if (msn == query.end() && part == query.end()) return fresh_playlist(request, context, channel, track, cache_control);
  const std::string_view name = channel->channel().name;
  // RFC 8216bis 6.2.5.2: _HLS_part without _HLS_msn, or values that are not indices, are a 400.
  if (msn == query.end()) {
    return refuse(context, http::Status::bad_request, "bad_blocking_request", "_HLS_part needs _HLS_msn", name);
  }
  live::HoldTarget target;
  target.track = std::string(track);
  const auto msn_value = parse_index(msn->second);
  const auto part_value = part == query.end() ? std::optional<std::uint32_t>(0) : parse_index(part->second);
  if (!msn_value || !part_value) {
    return refuse(context, http::Status::bad_request, "bad_blocking_request",
                  "_HLS_msn and _HLS_part must be non-negative integers", name);
  }
  target.msn = *msn_value;
  if (part != query.end()) target.part = *part_value;
  return hold(request, context, channel, std::move(target), std::string(cache_control));
}

std::optional<http::Response> LowLatencyRoutes::fresh_playlist(const http::Request& request,
                                                               const http::RouteContext& context,
                                                               const std::shared_ptr<live::LiveChannel>& channel,
                                                               std::string_view track, std::string_view cache_control) {
  if (request.method() != http::Verb::get) return std::nullopt;  // HEAD: nothing to be fresh about
  const auto snapshot = channel->snapshot();
  if (!snapshot) return std::nullopt;
  auto target = live::wait_for_fresh_part(*snapshot, track, core::unix_now_ms());
  if (!target) return std::nullopt;
  auto answer = hold(request, context, channel, std::move(*target), std::string(cache_control), true);
  // Not held (the part came meanwhile, or too many held): the playlist as it is.
  if (!answer || answer->result() != http::Status::ok) return std::nullopt;
  return answer;
}

std::optional<http::Response> LowLatencyRoutes::media_file(const http::Request& request,
                                                           const http::RouteContext& context,
                                                           const std::shared_ptr<live::LiveChannel>& channel,
                                                           const live::LiveSnapshot& snapshot, std::string_view file,
                                                           std::string_view cache_control) {
  if (const auto it = snapshot.pieced_files.find(file); it != snapshot.pieced_files.end()) {
    std::vector<std::string_view> pieces;
    std::uint64_t size = 0;
    for (const auto& part : *it->second) {
      pieces.emplace_back(reinterpret_cast<const char*>(part->data()), part->size());
      size += part->size();
    }
    const std::string etag = fmt::format("\"{}-{}\"", std::string(file), size);
    return with_cors(http::serve_pieces(request, {.owner = it->second,
                                                  .pieces = std::move(pieces),
                                                  .content_type = http::mime_type_for(file),
                                                  .etag = etag,
                                                  .cache_control = cache_control}));
  }
  // Low-latency DASH: the segment in progress, part by part as it is made.
  if (auto streamed = stream_open_segment(context, channel, snapshot, file, cache_control)) return streamed;
  // A preload-hinted part asked for before it exists: answered once complete.
  const std::size_t slash = file.find('/');
  if (!channel->held_requests() || slash == std::string_view::npos) return std::nullopt;
  live::HoldTarget target;
  target.track = std::string(file.substr(0, slash));
  target.file = std::string(file);
  return hold(request, context, channel, std::move(target), std::string(cache_control));
}

std::optional<http::Response> LowLatencyRoutes::hold(const http::Request& request, const http::RouteContext& context,
                                                     const std::shared_ptr<live::LiveChannel>& channel,
                                                     live::HoldTarget target, std::string cache_control, bool plain) {
  const bool playlist = target.file.empty();
  auto deferred = std::make_shared<http::DeferredResponse>();
  auto held_request = std::make_shared<const http::Request>(request);
  const std::string track = target.track;
  const std::string file = target.file;
  auto answer = [deferred, held_request, track, file, cache_control, playlist, plain](
                    live::HoldOutcome outcome, const std::shared_ptr<const live::LiveSnapshot>& snapshot) {
    // A plain request asked for no part: whatever ends the wait, it gets the playlist.
    if (plain && snapshot && outcome != live::HoldOutcome::gone) outcome = live::HoldOutcome::ready;
    switch (outcome) {
      case live::HoldOutcome::ready:
        deferred->complete(playlist ? playlist_of(*held_request, *snapshot, track, cache_control)
                                    : file_of(*held_request, *snapshot, file, cache_control));
        return;
      case live::HoldOutcome::gone:
        deferred->complete(with_cors(
            http::make_json_error(http::Status::not_found, playlist ? "no_such_track" : "not_found",
                                  playlist ? "no such track" : "segment not available (expired or not yet produced)")));
        return;
      case live::HoldOutcome::timeout:
        deferred->complete(unavailable("not_yet_available", "not produced in time; ask again"));
        return;
      case live::HoldOutcome::released:
        deferred->complete(unavailable("shutting_down", "the stream is shutting down"));
        return;
    }
  };
  const auto& held = channel->held_requests();
  const std::string_view name = channel->channel().name;
  const auto admitted = held->hold(std::move(target), context.client.address, answer);
  using Admission = live::HeldRequests::Admission;
  // A plain request only waited to be fresh: not held (caps reached), it gets
  // the playlist as it is, no refusal (and no log line).
  if (plain && admitted.admission != Admission::held && admitted.admission != Admission::ready) return std::nullopt;
  switch (admitted.admission) {
    case Admission::held:
      // A client that goes away is forgotten at once (its place is free again).
      deferred->on_cancel([weak = std::weak_ptr<live::HeldRequests>(held), id = admitted.id] {
        if (const auto requests = weak.lock()) requests->cancel(id);
      });
      return http::make_deferred_response(std::move(deferred));
    case Admission::ready:
      return playlist ? playlist_of(request, *admitted.snapshot, track, cache_control)
                      : file_of(request, *admitted.snapshot, file, cache_control);
    case Admission::gone:
      return playlist ? std::optional<http::Response>(
                            with_cors(http::make_json_error(http::Status::not_found, "no_such_track", "no such track")))
                      : std::nullopt;
    case Admission::bad_request:
      return refuse(context, http::Status::bad_request, "bad_blocking_request",
                    "_HLS_msn/_HLS_part ask for more than two segments or three seconds of parts ahead of the stream",
                    name);
    case Admission::too_many_from_address:
      return refuse(context, http::Status::too_many_requests, "too_many_held",
                    "too many held requests from this address", name);
    case Admission::too_many_total:
      return refuse(context, http::Status::service_unavailable, "too_many_held", "too many held requests", name);
  }
  return std::nullopt;
}

}  // namespace tidecast::api
