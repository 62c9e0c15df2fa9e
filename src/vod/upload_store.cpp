#include "vod/upload_store.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <system_error>

#include "core/clock.hpp"
#include "core/crypto.hpp"

namespace tidecast::vod {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kSaveEveryBytes = 8 * 1024 * 1024;
constexpr auto kSaveEvery = std::chrono::seconds(2);

using core::unix_now_ms;

}  // namespace

UploadWriter::UploadWriter(UploadStore& store, catalog::Upload upload)
    : store_(store),
      upload_(std::move(upload)),
      file_(store.part_path(upload_.id), static_cast<std::uint64_t>(upload_.received), true),
      saved_(upload_.received),
      saved_at_(std::chrono::steady_clock::now()) {}

UploadWriter::~UploadWriter() {
  abort();
  store_.release(upload_.id);
}

void UploadWriter::write(const char* data, std::size_t size) {
  if (offset() + static_cast<std::int64_t>(size) > upload_.length) {
    throw std::length_error("upload: more bytes than Upload-Length");
  }
  file_.write(data, size);
  if (offset() - saved_ >= kSaveEveryBytes || std::chrono::steady_clock::now() - saved_at_ >= kSaveEvery) {
    save_offset();
  }
}

void UploadWriter::save_offset() {
  if (offset() == saved_) return;
  store_.save_received(upload_.id, offset());
  saved_ = offset();
  saved_at_ = std::chrono::steady_clock::now();
}

void UploadWriter::finish() {
  if (complete()) {
    file_.sync();
    file_.close();
  }
  save_offset();
  upload_.received = offset();
  done_ = true;
}

void UploadWriter::abort() noexcept {
  if (done_) return;
  done_ = true;
  try {
    save_offset();
    upload_.received = offset();
  } catch (const std::exception& e) {
    store_.log_.warn("upload", "saving offset failed id={} error=\"{}\"", upload_.id, e.what());
  }
}

PlainUpload::PlainUpload(fs::path path, std::uint64_t max_bytes) : file_(path, 0, true), max_bytes_(max_bytes) {}

PlainUpload::~PlainUpload() {
  if (kept_) return;
  std::error_code ec;
  fs::remove(file_.path(), ec);
}

void PlainUpload::write(const char* data, std::size_t size) {
  if (file_.offset() + size > max_bytes_) throw std::length_error("upload: larger than uploads.max_bytes");
  file_.write(data, size);
}

void PlainUpload::finish() {
  file_.sync();
  file_.close();
  kept_ = true;
}

UploadStore::UploadStore(core::Logger& log, const std::string& catalog_location, UploadStoreOptions options)
    : log_(log), options_(std::move(options)), db_(catalog::Database::open_location(catalog_location)), uploads_(db_) {
  fs::create_directories(options_.dir);
}

fs::path UploadStore::part_path(std::string_view id) const {
  return options_.dir / fmt::format("{}.part", id);
}

catalog::Upload UploadStore::create(std::int64_t length, std::string metadata_json,
                                    std::optional<std::int64_t> token_id) {
  catalog::NewUpload row{length, std::move(metadata_json), token_id,
                         unix_now_ms() + static_cast<std::int64_t>(options_.expire_after.count())};
  catalog::Upload upload;
  {
    std::lock_guard lock(mutex_);
    upload = uploads_.create(row);
  }
  try {
    AppendFile file(part_path(upload.id), 0, true);
    file.close();
  } catch (...) {
    std::lock_guard lock(mutex_);
    uploads_.remove(upload.id);
    throw;
  }
  return upload;
}

std::optional<catalog::Upload> UploadStore::find(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto upload = uploads_.find(id);
  if (!upload || upload->complete()) return upload;
  std::error_code ec;
  const auto on_disk = fs::file_size(part_path(id), ec);
  const std::int64_t held = ec ? 0 : static_cast<std::int64_t>(on_disk);
  if (held < upload->received) {
    // The bytes never reached the disk (power cut): resume from what is there.
    log_.warn("upload", "offset beyond file id={} recorded={} on_disk={}", upload->id, upload->received, held);
    upload->received = held;
    uploads_.set_received(id, held);
  }
  return upload;
}

std::variant<std::unique_ptr<UploadWriter>, AppendRefusal> UploadStore::open_append(std::string_view id,
                                                                                    std::int64_t offset) {
  auto upload = find(id);
  if (!upload) return AppendRefusal::not_found;
  if (upload->complete()) return AppendRefusal::complete;
  if (upload->received != offset) return AppendRefusal::offset_mismatch;
  {
    std::lock_guard lock(mutex_);
    if (!active_.insert(upload->id).second) return AppendRefusal::busy;
  }
  try {
    return std::make_unique<UploadWriter>(*this, std::move(*upload));
  } catch (...) {
    release(std::string(id));
    throw;
  }
}

bool UploadStore::remove(std::string_view id) {
  {
    std::lock_guard lock(mutex_);
    if (!uploads_.remove(id)) return false;
  }
  std::error_code ec;
  fs::remove(part_path(id), ec);
  return true;
}

std::unique_ptr<PlainUpload> UploadStore::begin_plain() {
  return std::make_unique<PlainUpload>(options_.dir / fmt::format("post-{}.part", core::random_token(12)),
                                       options_.max_bytes);
}

void UploadStore::save_received(const std::string& id, std::int64_t received) {
  std::lock_guard lock(mutex_);
  uploads_.set_received(id, received);
}

void UploadStore::release(const std::string& id) {
  std::lock_guard lock(mutex_);
  active_.erase(id);
}

std::size_t UploadStore::sweep(std::int64_t now_ms, bool startup) {
  std::size_t removed = 0;
  std::set<std::string, std::less<>> live;
  {
    std::lock_guard lock(mutex_);
    for (const auto& upload : uploads_.expired(now_ms)) {
      if (active_.count(upload.id) > 0) continue;
      uploads_.remove(upload.id);
      std::error_code ec;
      if (fs::remove(part_path(upload.id), ec)) ++removed;
      if (!upload.complete())
        log_.info("upload", "expired id={} received={} length={}", upload.id, upload.received, upload.length);
    }
    for (auto& id : uploads_.incomplete_ids()) live.insert(std::move(id));
    live.insert(active_.begin(), active_.end());
  }
  // Files without a live upload: plain POSTs cut short by a crash, leftovers.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    const auto& path = entry.path();
    if (path.extension() != ".part") continue;
    const std::string stem = path.stem().string();
    if (live.count(stem) > 0) continue;
    if (stem.starts_with("post-") && !startup) {
      // A plain upload in progress has its file open; only old ones are orphans.
      std::error_code time_ec;
      const auto age = fs::file_time_type::clock::now() - fs::last_write_time(path, time_ec);
      if (time_ec || age < std::chrono::hours(1)) continue;
    }
    std::error_code remove_ec;
    if (fs::remove(path, remove_ec)) ++removed;
  }
  return removed;
}

}  // namespace tidecast::vod
