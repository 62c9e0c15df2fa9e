// serve_file: conditional and Range requests answered from fstat, before any
// byte of the file is read; the body is a span the session sends.
#include <doctest/doctest.h>

#include <boost/beast/http/write.hpp>
#include <fstream>
#include <sstream>

#include "http/serve_bytes.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast;
namespace beast_http = boost::beast::http;

namespace {

std::filesystem::path write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

http::Response get(const std::filesystem::path& path, std::map<std::string, std::string> headers = {},
                   http::Verb verb = http::Verb::get) {
  http::Request request{verb, "/f", 11};
  for (const auto& [name, value] : headers) request.set(name, value);
  return http::serve_file(request,
                          {.file = http::OpenFile::open(path), .content_type = "video/mp4", .cache_control = "public"});
}

// The bytes a response would put on the wire, through Beast's own writer.
std::string body_of(const http::Response& response) {
  std::ostringstream out;
  out << response;
  const std::string wire = out.str();
  return wire.substr(wire.find("\r\n\r\n") + 4);
}

}  // namespace

TEST_CASE("serve_file: whole file, first byte, last byte, suffix, open-ended, past the end") {
  test::TempDir dir;
  std::string bytes;
  for (int i = 0; i < 100000; ++i) bytes.push_back(static_cast<char>(i * 7 + i / 256));
  const auto path = write_file(dir.path() / "f.mp4", bytes);

  const auto whole = get(path);
  CHECK(whole.result() == http::Status::ok);
  CHECK(whole[beast_http::field::content_length] == "100000");
  REQUIRE(whole.body().file);
  CHECK(whole.body().file->offset == 0);
  CHECK(body_of(whole) == bytes);

  const auto first = get(path, {{"Range", "bytes=0-0"}});
  CHECK(first.result() == http::Status::partial_content);
  CHECK(first[beast_http::field::content_range] == "bytes 0-0/100000");
  CHECK(body_of(first) == bytes.substr(0, 1));

  const auto last = get(path, {{"Range", "bytes=99999-99999"}});
  CHECK(body_of(last) == bytes.substr(99999));
  const auto suffix = get(path, {{"Range", "bytes=-500"}});
  CHECK(suffix[beast_http::field::content_range] == "bytes 99500-99999/100000");
  CHECK(body_of(suffix) == bytes.substr(99500));
  const auto open_ended = get(path, {{"Range", "bytes=70000-"}});
  CHECK(body_of(open_ended) == bytes.substr(70000));
  const auto clipped = get(path, {{"Range", "bytes=99990-200000"}});
  CHECK(clipped[beast_http::field::content_length] == "10");

  const auto past = get(path, {{"Range", "bytes=100000-"}});
  CHECK(past.result() == http::Status::range_not_satisfiable);
  CHECK(past[beast_http::field::content_range] == "bytes */100000");
  CHECK_FALSE(past.body().file);
}

TEST_CASE("serve_file: multi-range and backwards ranges get the whole file, never a wrong slice") {
  test::TempDir dir;
  const auto path = write_file(dir.path() / "f.mp4", std::string(5000, 'x') + std::string(5000, 'y'));
  for (const char* range : {"bytes=0-1,5-6", "bytes=9-2", "bytes=abc", "items=0-1"}) {
    CAPTURE(range);
    const auto response = get(path, {{"Range", range}});
    CHECK(response.result() == http::Status::ok);
    CHECK(response[beast_http::field::content_length] == "10000");
  }
  std::string many = "bytes=0-0";
  for (int i = 1; i < 300; ++i) many += "," + std::to_string(i * 10) + "-" + std::to_string(i * 10 + 1);
  CHECK(get(path, {{"Range", many}}).result() == http::Status::ok);
}

TEST_CASE("serve_file: the ETag comes from fstat, is stable across opens and changes with the file") {
  test::TempDir dir;
  const auto path = write_file(dir.path() / "f.mp4", "first version");
  const std::string etag(get(path)[beast_http::field::etag]);
  CHECK(etag.front() == '"');
  CHECK(std::string(get(path)[beast_http::field::etag]) == etag);  // a restart opens the file again
  const auto not_modified = get(path, {{"If-None-Match", etag}});
  CHECK(not_modified.result() == http::Status::not_modified);
  CHECK_FALSE(not_modified.body().file);

  // Replaced the way files are published (a new file renamed over the old): a new validator.
  write_file(dir.path() / "g.mp4", "second version!");
  std::filesystem::rename(dir.path() / "g.mp4", path);
  CHECK(std::string(get(path)[beast_http::field::etag]) != etag);
  CHECK(get(path, {{"If-None-Match", etag}}).result() == http::Status::ok);
}

TEST_CASE("serve_file: HEAD gives the length and no body; directories and missing files do not open") {
  test::TempDir dir;
  const auto path = write_file(dir.path() / "f.mp4", std::string(1234, 'z'));
  const auto head = get(path, {}, http::Verb::head);
  CHECK(head.result() == http::Status::ok);
  CHECK(head[beast_http::field::content_length] == "1234");
  CHECK_FALSE(head.body().file);
  CHECK(http::OpenFile::open(dir.path()) == nullptr);
  CHECK(http::OpenFile::open(dir.path() / "missing") == nullptr);
}

TEST_CASE("serve_file: a file cut short while being sent ends the body with an error, not wrong bytes") {
  test::TempDir dir;
  const auto path = write_file(dir.path() / "f.mp4", std::string(200000, 'a'));
  const auto response = get(path);
  std::filesystem::resize_file(path, 1000);
  std::ostringstream out;
  out << response;
  CHECK(out.fail());  // Beast's writer reported the error
  CHECK(out.str().size() < 200000);
}
