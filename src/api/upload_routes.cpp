// Uploads: tus 1.0 (core + creation + termination) at /api/v1/uploads and a
// plain POST /api/v1/videos; bodies are streamed to disk through BodySinks.
// The caller is a session (with X-CSRF-Token) or an API token; the uploader
// owns the upload and the video it becomes.
#include <fmt/format.h>

#include "http/ascii.hpp"
#include <chrono>
#include <nlohmann/json.hpp>
#include <system_error>

#include "api/auth.hpp"
#include "api/routes.hpp"
#include "api/video_json.hpp"
#include "http/multipart.hpp"
#include "http/path.hpp"
#include "http/tus.hpp"
#include "core/clock.hpp"

namespace tidecast::api {

namespace {

namespace tus = http::tus;
using field = http::beast_http::field;
using http::Status;

constexpr std::size_t kMaxFieldBytes = 4096;  // multipart text fields (title)
constexpr std::size_t kMaxNameBytes = 255;
constexpr std::size_t kMaxTitleBytes = 200;
constexpr std::uint64_t kMultipartOverhead = 64 * 1024;

struct Deps {
  vod::VodService& vod;
  const Authenticator& auth;
  catalog::VideoRepository& videos;
  catalog::UploadRepository& uploads;
};

using core::unix_now_ms;

void add_cors(http::Response& res) {
  res.set(field::access_control_allow_origin, "*");
  res.set(field::access_control_expose_headers,
          "Location, Upload-Offset, Upload-Length, Upload-Metadata, Tus-Resumable, Tus-Version, Tus-Extension, "
          "Tus-Max-Size, Tidecast-Video-Id");
}

void add_tus(http::Response& res) {
  res.set("Tus-Resumable", tus::kVersion);
  res.set(field::cache_control, "no-store");
  add_cors(res);
}

http::Response tus_empty(Status status) {
  http::Response res{status, 11};
  if (status != Status::no_content) res.content_length(0);
  add_tus(res);
  return res;
}

http::Response tus_error(Status status, std::string_view code, std::string_view message) {
  http::Response res = http::make_json_error(status, code, message);
  add_tus(res);
  return res;
}

std::string cut(std::string text, std::size_t max) {
  if (text.size() > max) text.resize(max);
  return text;
}

// A checked tus request: the protocol version and the caller.
std::variant<Principal, http::Response> check_tus(const http::RequestHead& head, Deps& deps) {
  if (head["Tus-Resumable"] != tus::kVersion) {
    http::Response res = tus_error(Status::precondition_failed, "tus_version", "Tus-Resumable: 1.0.0 is required");
    res.set("Tus-Version", tus::kVersion);
    return res;
  }
  auto checked = deps.auth.require(head);
  if (auto* error = std::get_if<http::Response>(&checked)) add_tus(*error);
  return checked;
}

// The upload if it exists and belongs to the caller (a user: theirs, from any
// session or token; a command-line token: the ones it created); 404 hides
// other people's.
std::optional<catalog::Upload> owned_upload(Deps& deps, std::string_view id, const Principal& principal) {
  auto upload = deps.vod.uploads().find(id);
  if (!upload) return std::nullopt;
  const bool mine = principal.user_id ? upload->user_id == principal.user_id
                                      : (!upload->user_id && upload->token_id && upload->token_id == principal.token_id);
  if (!mine) return std::nullopt;
  return upload;
}

vod::AcceptInfo accept_info(const catalog::Upload& upload) {
  vod::AcceptInfo info;
  const auto meta = nlohmann::json::parse(upload.metadata, nullptr, false);
  if (meta.is_object()) {
    info.title = cut(meta.value("title", ""), kMaxTitleBytes);
    info.source_name = cut(meta.value("filename", meta.value("name", "")), kMaxNameBytes);
  }
  info.upload_id = upload.id;
  return info;
}

// Hands a complete upload (held by `writer`, which locks it) to the VOD
// pipeline; the uploader owns the video.
std::string finalize(Deps& deps, const vod::UploadWriter& writer) {
  const std::string id = deps.vod.accept(writer.file(), accept_info(writer.upload())).id;
  const auto row = deps.uploads.find(writer.upload().id);
  if (row && row->user_id) deps.videos.set_owner(id, row->user_id);
  return id;
}

http::Response offset_response(std::int64_t offset, const std::optional<std::string>& video_id) {
  http::Response res = tus_empty(Status::no_content);
  res.set("Upload-Offset", std::to_string(offset));
  if (video_id) res.set("Tidecast-Video-Id", *video_id);
  return res;
}

// Called from a catch block: maps storage errors to responses.
http::Response stream_error(const std::exception& e) {
  if (const auto* sys = dynamic_cast<const std::system_error*>(&e);
      sys && sys->code() == std::errc::no_space_on_device) {
    return http::make_json_error(Status::insufficient_storage, "disk_full", "the server's disk is full");
  }
  if (dynamic_cast<const std::length_error*>(&e)) {
    return http::make_json_error(Status::payload_too_large, "body_too_large", "the upload is larger than allowed");
  }
  throw;  // anything else: the session logs it and answers 500
}

// PATCH body -> the upload's .part file.
class TusSink : public http::BodySink {
 public:
  TusSink(Deps& deps, std::unique_ptr<vod::UploadWriter> writer) : deps_(deps), writer_(std::move(writer)) {}

  std::optional<http::Response> write(const char* data, std::size_t size) override {
    try {
      writer_->write(data, size);
      return std::nullopt;
    } catch (const std::exception& e) {
      http::Response res = stream_error(e);
      add_tus(res);
      return res;
    }
  }

  http::Response finish() override {
    writer_->finish();
    std::optional<std::string> video;
    if (writer_->complete()) video = finalize(deps_, *writer_);
    return offset_response(writer_->offset(), video);
  }

  void abort() noexcept override { writer_->abort(); }

 private:
  Deps& deps_;
  std::unique_ptr<vod::UploadWriter> writer_;
};

http::StreamStart patch_upload(Deps& deps, const http::RequestHead& head, std::string_view id) {
  auto checked = check_tus(head, deps);
  if (auto* error = std::get_if<http::Response>(&checked)) return http::StreamStart::refuse(std::move(*error));
  const auto& principal = std::get<Principal>(checked);
  if (!http::iequals(head[field::content_type], tus::kOffsetContentType)) {
    return http::StreamStart::refuse(tus_error(Status::unsupported_media_type, "content_type",
                                               "PATCH needs Content-Type: application/offset+octet-stream"));
  }
  const auto offset = tus::parse_size(head["Upload-Offset"]);
  if (!offset) {
    return http::StreamStart::refuse(
        tus_error(Status::bad_request, "upload_offset", "Upload-Offset must be a non-negative integer"));
  }
  const auto upload = owned_upload(deps, id, principal);
  if (!upload) return http::StreamStart::refuse(tus_error(Status::not_found, "not_found", "no such upload"));
  if (upload->complete()) {
    if (static_cast<std::int64_t>(*offset) == upload->length) {
      return http::StreamStart::refuse(offset_response(upload->length, upload->video_id));
    }
    return http::StreamStart::refuse(tus_error(Status::conflict, "upload_complete", "the upload is already complete"));
  }
  if (upload->expires_at < unix_now_ms()) {
    return http::StreamStart::refuse(tus_error(Status::gone, "expired", "the upload has expired"));
  }
  auto opened = deps.vod.uploads().open_append(id, static_cast<std::int64_t>(*offset));
  if (auto* refusal = std::get_if<vod::AppendRefusal>(&opened)) {
    switch (*refusal) {
      case vod::AppendRefusal::offset_mismatch:
        return http::StreamStart::refuse(tus_error(
            Status::conflict, "offset_mismatch",
            fmt::format("Upload-Offset {} does not match the upload's offset {}", *offset, upload->received)));
      case vod::AppendRefusal::busy:
        return http::StreamStart::refuse(
            tus_error(Status::locked, "upload_busy", "another request is writing to this upload"));
      case vod::AppendRefusal::complete:
        return http::StreamStart::refuse(offset_response(upload->length, upload->video_id));
      case vod::AppendRefusal::not_found:
        break;
    }
    return http::StreamStart::refuse(tus_error(Status::not_found, "not_found", "no such upload"));
  }
  auto writer = std::move(std::get<std::unique_ptr<vod::UploadWriter>>(opened));
  const auto remaining = static_cast<std::uint64_t>(upload->length - writer->offset());
  return http::StreamStart::accept(std::make_unique<TusSink>(deps, std::move(writer)), remaining);
}

http::Response create_upload(Deps& deps, const http::Request& request) {
  auto checked = check_tus(request, deps);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  const auto& principal = std::get<Principal>(checked);
  if (request.find("Upload-Defer-Length") != request.end()) {
    return tus_error(Status::bad_request, "defer_length", "Upload-Defer-Length is not supported; send Upload-Length");
  }
  const auto length = tus::parse_size(request["Upload-Length"]);
  if (!length) return tus_error(Status::bad_request, "upload_length", "Upload-Length must be a non-negative integer");
  if (*length > deps.vod.max_upload_bytes()) {
    return tus_error(Status::payload_too_large, "too_large",
                     fmt::format("the upload is larger than the limit of {} bytes", deps.vod.max_upload_bytes()));
  }
  const auto metadata = tus::parse_metadata(request["Upload-Metadata"]);
  if (!metadata) return tus_error(Status::bad_request, "upload_metadata", "Upload-Metadata is malformed");
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& [key, value] : *metadata) {
    try {
      (void)nlohmann::json(value).dump();  // throws unless valid UTF-8
      meta[key] = value;
    } catch (const nlohmann::json::exception&) {
      return tus_error(Status::bad_request, "upload_metadata", fmt::format("metadata \"{}\" is not UTF-8 text", key));
    }
  }
  const catalog::Upload upload =
      deps.vod.uploads().create(static_cast<std::int64_t>(*length), meta.dump(), principal.token_id);
  if (principal.user_id) deps.uploads.set_user(upload.id, principal.user_id);
  std::optional<std::string> video;
  if (*length == 0) {  // nothing to send: complete at once
    auto opened = deps.vod.uploads().open_append(upload.id, 0);
    if (auto* writer = std::get_if<std::unique_ptr<vod::UploadWriter>>(&opened)) {
      (*writer)->finish();
      video = finalize(deps, **writer);
    }
  }
  http::Response res = tus_empty(Status::created);
  res.set(field::location, fmt::format("/api/v1/uploads/{}", upload.id));
  res.set("Upload-Offset", "0");
  if (video) res.set("Tidecast-Video-Id", *video);
  return res;
}

http::Response upload_status(Deps& deps, const http::Request& request, std::string_view id) {
  auto checked = check_tus(request, deps);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  auto upload = owned_upload(deps, id, std::get<Principal>(checked));
  if (!upload) return tus_error(Status::not_found, "not_found", "no such upload");
  if (!upload->complete() && upload->received == upload->length) {
    // Full but not handed over (the server stopped in between): finish now.
    auto opened = deps.vod.uploads().open_append(id, upload->length);
    if (auto* writer = std::get_if<std::unique_ptr<vod::UploadWriter>>(&opened)) {
      (*writer)->finish();
      upload->video_id = finalize(deps, **writer);
      upload->completed_at = unix_now_ms();
    }
  }
  const nlohmann::json body = {{"id", upload->id},
                               {"offset", upload->received},
                               {"length", upload->length},
                               {"complete", upload->complete()},
                               {"video_id", upload->video_id ? nlohmann::json(*upload->video_id) : nlohmann::json()}};
  http::Response res = request.method() == http::Verb::head ? tus_empty(Status::ok) : http::make_json(Status::ok, body);
  add_tus(res);
  res.set("Upload-Offset", std::to_string(upload->received));
  res.set("Upload-Length", std::to_string(upload->length));
  if (upload->video_id) res.set("Tidecast-Video-Id", *upload->video_id);
  return res;
}

http::Response terminate_upload(Deps& deps, const http::RequestHead& head, std::string_view id) {
  auto checked = check_tus(head, deps);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  if (!owned_upload(deps, id, std::get<Principal>(checked)) || !deps.vod.uploads().remove(id)) {
    return tus_error(Status::not_found, "not_found", "no such upload");
  }
  return tus_empty(Status::no_content);
}

http::Response tus_options(std::uint64_t max_size) {
  http::Response res = tus_empty(Status::no_content);
  res.set("Tus-Version", tus::kVersion);
  res.set("Tus-Extension", tus::kExtensions);
  res.set("Tus-Max-Size", std::to_string(max_size));
  res.set(field::access_control_allow_methods, "POST, GET, HEAD, PATCH, DELETE, OPTIONS");
  res.set(field::access_control_allow_headers,
          "Authorization, Content-Type, Upload-Length, Upload-Metadata, Upload-Offset, Upload-Defer-Length, "
          "Upload-Concat, Tus-Resumable, X-HTTP-Method-Override, X-Requested-With, X-CSRF-Token");
  res.set(field::access_control_max_age, "86400");
  return res;
}

// ---- POST /api/v1/videos ----

http::Response created_video(Deps& deps, catalog::Video video, std::optional<std::int64_t> owner) {
  if (owner) {
    deps.videos.set_owner(video.id, owner);
    video.owner_id = owner;
  }
  nlohmann::json out = video_json(video);
  out["url"] = fmt::format("/api/v1/videos/{}", video.id);
  http::Response res = http::make_json(Status::created, out);
  res.set(field::location, fmt::format("/api/v1/videos/{}", video.id));
  add_cors(res);
  return res;
}

// A raw body is the file itself.
class RawVideoSink : public http::BodySink {
 public:
  RawVideoSink(Deps& deps, vod::AcceptInfo info, std::optional<std::int64_t> owner)
      : deps_(deps), info_(std::move(info)), owner_(owner), file_(deps.vod.uploads().begin_plain()) {}

  std::optional<http::Response> write(const char* data, std::size_t size) override {
    try {
      file_->write(data, size);
      return std::nullopt;
    } catch (const std::exception& e) {
      return stream_error(e);
    }
  }
  http::Response finish() override {
    file_->finish();
    return created_video(deps_, deps_.vod.accept(file_->path(), info_), owner_);
  }
  void abort() noexcept override { file_.reset(); }

 private:
  Deps& deps_;
  vod::AcceptInfo info_;
  std::optional<std::int64_t> owner_;
  std::unique_ptr<vod::PlainUpload> file_;
};

// multipart/form-data: the first part with a file name (or named "file") is
// the video; a "title" field names it.
class MultipartVideoSink : public http::BodySink {
 public:
  MultipartVideoSink(Deps& deps, vod::AcceptInfo info, std::optional<std::int64_t> owner, std::string boundary)
      : deps_(deps),
        info_(std::move(info)),
        owner_(owner),
        file_(deps.vod.uploads().begin_plain()),
        reader_(std::move(boundary), callbacks()) {}

  std::optional<http::Response> write(const char* data, std::size_t size) override {
    try {
      if (reader_.feed({data, size})) return std::nullopt;
    } catch (const std::exception& e) {
      return stream_error(e);
    }
    return http::make_json_error(Status::bad_request, "bad_multipart", reader_.error());
  }
  http::Response finish() override {
    if (!reader_.finished()) {
      return http::make_json_error(Status::bad_request, "bad_multipart", "the multipart body ended early");
    }
    if (!has_file_)
      return http::make_json_error(Status::bad_request, "no_file", "send the video in a part named \"file\"");
    if (!title_.empty()) info_.title = cut(title_, kMaxTitleBytes);
    file_->finish();
    return created_video(deps_, deps_.vod.accept(file_->path(), info_), owner_);
  }
  void abort() noexcept override { file_.reset(); }

 private:
  enum class Target { none, file, title };

  http::MultipartReader::Callbacks callbacks() {
    http::MultipartReader::Callbacks cb;
    cb.on_part = [this](const http::MultipartPart& part) {
      target_ = Target::none;
      if (!has_file_ && (!part.filename.empty() || part.name == "file")) {
        target_ = Target::file;
        has_file_ = true;
        if (info_.source_name.empty()) info_.source_name = cut(part.filename, kMaxNameBytes);
      } else if (part.name == "title") {
        target_ = Target::title;
      }
    };
    cb.on_data = [this](std::string_view data) {
      if (target_ == Target::file) {
        file_->write(data.data(), data.size());
      } else if (target_ == Target::title) {
        if (title_.size() + data.size() > kMaxFieldBytes) return false;
        title_.append(data);
      }
      return true;
    };
    cb.on_part_end = [this] { target_ = Target::none; };
    return cb;
  }

  Deps& deps_;
  vod::AcceptInfo info_;
  std::optional<std::int64_t> owner_;
  std::unique_ptr<vod::PlainUpload> file_;
  http::MultipartReader reader_;
  Target target_ = Target::none;
  bool has_file_ = false;
  std::string title_;
};

http::StreamStart post_video(Deps& deps, const http::RequestHead& head) {
  auto checked = deps.auth.require(head);
  if (auto* error = std::get_if<http::Response>(&checked)) return http::StreamStart::refuse(std::move(*error));
  const auto owner = std::get<Principal>(checked).user_id;
  const auto query = http::parse_query(head.target());
  vod::AcceptInfo info;
  if (const auto it = query.find("title"); it != query.end()) info.title = cut(it->second, kMaxTitleBytes);
  if (const auto it = query.find("filename"); it != query.end()) info.source_name = cut(it->second, kMaxNameBytes);
  const std::uint64_t limit = deps.vod.max_upload_bytes();
  if (const auto boundary = http::multipart_boundary(head[field::content_type])) {
    return http::StreamStart::accept(std::make_unique<MultipartVideoSink>(deps, std::move(info), owner, *boundary),
                                     limit + kMultipartOverhead);
  }
  if (head[field::content_type].starts_with("multipart/")) {
    return http::StreamStart::refuse(
        http::make_json_error(Status::unsupported_media_type, "unsupported_media_type",
                              "multipart bodies must be multipart/form-data with a boundary"));
  }
  return http::StreamStart::accept(std::make_unique<RawVideoSink>(deps, std::move(info), owner), limit);
}

}  // namespace

void add_upload_routes(http::Router& router, vod::VodService& vod, const Authenticator& auth,
                       catalog::VideoRepository& videos, catalog::UploadRepository& uploads) {
  auto deps = std::make_shared<Deps>(Deps{vod, auth, videos, uploads});

  const std::uint64_t max_size = vod.max_upload_bytes();
  for (const char* path : {"/api/v1/uploads", "/api/v1/uploads/{id}"}) {
    router.add(http::Verb::options, path,
               [max_size](const http::Request&, const http::RouteContext&) { return tus_options(max_size); });
  }
  router.add(http::Verb::post, "/api/v1/uploads",
             [deps](const http::Request& request, const http::RouteContext&) { return create_upload(*deps, request); });
  router.add(http::Verb::get, "/api/v1/uploads/{id}",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return upload_status(*deps, request, context.param("id"));
             });
  router.add(http::Verb::delete_, "/api/v1/uploads/{id}",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return terminate_upload(*deps, request, context.param("id"));
             });
  router.add_streaming(http::Verb::patch, "/api/v1/uploads/{id}",
                       [deps](const http::RequestHead& head, const http::RouteContext& context) {
                         return patch_upload(*deps, head, context.param("id"));
                       });
  // tus clients behind proxies that only pass GET/POST send PATCH and DELETE
  // as POST with X-HTTP-Method-Override.
  router.add_streaming(http::Verb::post, "/api/v1/uploads/{id}",
                       [deps](const http::RequestHead& head, const http::RouteContext& context) {
                         const auto method = head["X-HTTP-Method-Override"];
                         if (http::iequals(method, "PATCH"))
                           return patch_upload(*deps, head, context.param("id"));
                         if (http::iequals(method, "DELETE")) {
                           return http::StreamStart::refuse(terminate_upload(*deps, head, context.param("id")));
                         }
                         http::Response res = tus_error(Status::method_not_allowed, "method_not_allowed",
                                                        "POST to an upload needs X-HTTP-Method-Override: PATCH");
                         res.set(field::allow, "GET, HEAD, PATCH, DELETE, OPTIONS");
                         return http::StreamStart::refuse(std::move(res));
                       });

  router.add(http::Verb::options, "/api/v1/videos", [](const http::Request&, const http::RouteContext&) {
    http::Response res{Status::no_content, 11};
    add_cors(res);
    res.set(field::access_control_allow_methods, "GET, HEAD, POST, OPTIONS");
    res.set(field::access_control_allow_headers, "Authorization, Content-Type, X-CSRF-Token");
    res.set(field::access_control_max_age, "86400");
    return res;
  });
  router.add_streaming(
      http::Verb::post, "/api/v1/videos",
      [deps](const http::RequestHead& head, const http::RouteContext&) { return post_video(*deps, head); });
}

}  // namespace tidecast::api
