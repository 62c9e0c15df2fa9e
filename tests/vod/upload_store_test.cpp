#include "vod/upload_store.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast;
using tidecast::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  TempDir dir;
  fs::path catalog_location = dir.path() / "t.db";
  core::Logger log{core::LogLevel::off};
  catalog::Catalog catalog{catalog_location};  // migrates
  vod::UploadStoreOptions options{dir.path() / "uploads", 1000, std::chrono::hours(1)};

  std::unique_ptr<vod::UploadStore> open() { return std::make_unique<vod::UploadStore>(log, catalog_location, options); }
};

std::unique_ptr<vod::UploadWriter> writer_at(vod::UploadStore& store, const std::string& id, std::int64_t offset) {
  auto opened = store.open_append(id, offset);
  REQUIRE(std::holds_alternative<std::unique_ptr<vod::UploadWriter>>(opened));
  return std::move(std::get<std::unique_ptr<vod::UploadWriter>>(opened));
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("an interrupted upload resumes from its offset, also with a new store (restart)") {
  Fixture f;
  std::string id;
  {
    auto store = f.open();
    const auto upload = store->create(10, "{}", std::nullopt);
    id = upload.id;
    CHECK(fs::file_size(store->part_path(id)) == 0);
    auto writer = writer_at(*store, id, 0);
    writer->write("01234", 5);
    writer->abort();  // the client went away
  }
  auto store = f.open();
  const auto found = store->find(id);
  REQUIRE(found);
  CHECK(found->received == 5);
  CHECK(std::get<vod::AppendRefusal>(store->open_append(id, 0)) == vod::AppendRefusal::offset_mismatch);
  auto writer = writer_at(*store, id, 5);
  CHECK(std::get<vod::AppendRefusal>(store->open_append(id, 5)) == vod::AppendRefusal::busy);
  CHECK_THROWS_AS(writer->write("56789X", 6), std::length_error);
  writer->write("56789", 5);
  writer->finish();
  CHECK(writer->complete());
  CHECK(read_all(writer->file()) == "0123456789");
}

TEST_CASE("bytes a crash wrote past the saved offset are cut; a file shorter than the offset lowers it") {
  Fixture f;
  auto store = f.open();
  const std::string id = store->create(100, "{}", std::nullopt).id;
  {
    auto writer = writer_at(*store, id, 0);
    writer->write("abcdef", 6);
    writer->abort();
  }
  // Unsaved bytes beyond the offset (as after kill -9 between write and save).
  std::ofstream(store->part_path(id), std::ios::binary | std::ios::app) << "GARBAGE";
  {
    auto writer = writer_at(*store, id, 6);
    writer->write("gh", 2);
    writer->abort();
  }
  CHECK(read_all(store->part_path(id)) == "abcdefgh");
  // The disk lost bytes the catalog counted (power cut): resume from the disk.
  fs::resize_file(store->part_path(id), 3);
  CHECK(store->find(id)->received == 3);
}

TEST_CASE("termination and the sweep remove rows and files") {
  Fixture f;
  f.options.expire_after = std::chrono::milliseconds(-1);  // expired at once
  auto store = f.open();
  const std::string kept = store->create(10, "{}", std::nullopt).id;
  CHECK(store->remove(kept));
  CHECK_FALSE(fs::exists(store->part_path(kept)));
  CHECK_FALSE(store->remove(kept));

  const std::string expired = store->create(10, "{}", std::nullopt).id;
  std::ofstream(f.options.dir / "stray.part") << "x";
  auto plain = store->begin_plain();
  plain->write("abc", 3);
  const fs::path plain_path = plain->path();
  CHECK(store->sweep(std::numeric_limits<std::int64_t>::max() / 2) == 2);  // the expired upload + the stray file
  CHECK_FALSE(store->find(expired));
  CHECK(fs::exists(plain_path));  // a plain upload in progress is left alone
  plain.reset();                  // not finished: deleted
  CHECK_FALSE(fs::exists(plain_path));
}

TEST_CASE("plain uploads respect the size limit and are kept once finished") {
  Fixture f;
  auto store = f.open();
  auto plain = store->begin_plain();
  plain->write(std::string(1000, 'p').data(), 1000);
  CHECK_THROWS_AS(plain->write("p", 1), std::length_error);
  plain->finish();
  const fs::path path = plain->path();
  plain.reset();
  CHECK(fs::file_size(path) == 1000);
}
