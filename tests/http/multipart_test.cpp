#include "http/multipart.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace tidecast::http;

namespace {

struct Collected {
  std::vector<MultipartPart> parts;
  std::vector<std::string> bodies;
};

MultipartReader::Callbacks collect(Collected& out) {
  MultipartReader::Callbacks cb;
  cb.on_part = [&out](const MultipartPart& part) {
    out.parts.push_back(part);
    out.bodies.emplace_back();
  };
  cb.on_data = [&out](std::string_view data) {
    out.bodies.back().append(data);
    return true;
  };
  return cb;
}

const std::string kBoundary = "----tidecastBoundary7MA4YWxk";

std::string body_with(const std::string& payload) {
  return "preamble to ignore\r\n--" + kBoundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
         "Holiday \"clip\"\r\n--" +
         kBoundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"file\"; filename=\"holiday.mp4\"\r\n"
         "Content-Type: video/mp4\r\n\r\n" +
         payload + "\r\n--" + kBoundary + "--\r\nepilogue";
}

}  // namespace

TEST_CASE("the boundary comes from a multipart/form-data content type") {
  CHECK(multipart_boundary("multipart/form-data; boundary=abc") == std::string("abc"));
  CHECK(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == std::string("a b"));
  CHECK_FALSE(multipart_boundary("multipart/form-data"));
  CHECK_FALSE(multipart_boundary("multipart/mixed; boundary=abc"));
  CHECK_FALSE(multipart_boundary("video/mp4"));
}

TEST_CASE("parts are found however the body is split into chunks") {
  // The payload contains near-misses of the delimiter.
  std::string payload;
  for (int i = 0; i < 300; ++i) payload += std::string("\r\n--") + kBoundary.substr(0, i % kBoundary.size()) + "x";
  payload += std::string("\0\xff", 2);
  const std::string body = body_with(payload);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{31}, std::size_t{64},
                            std::size_t{4096}, body.size()}) {
    CAPTURE(chunk);
    Collected got;
    MultipartReader reader(kBoundary, collect(got));
    for (std::size_t at = 0; at < body.size(); at += chunk)
      REQUIRE(reader.feed(std::string_view(body).substr(at, chunk)));
    CHECK(reader.finished());
    REQUIRE(got.parts.size() == 2);
    CHECK(got.parts[0].name == "title");
    CHECK(got.parts[0].filename.empty());
    CHECK(got.bodies[0] == "Holiday \"clip\"");
    CHECK(got.parts[1].name == "file");
    CHECK(got.parts[1].filename == "holiday.mp4");
    CHECK(got.parts[1].content_type == "video/mp4");
    CHECK(got.bodies[1] == payload);
  }
}

TEST_CASE("a body without its closing delimiter is not finished; a refusing callback stops it") {
  const std::string body = body_with("data");
  Collected got;
  MultipartReader reader(kBoundary, collect(got));
  CHECK(reader.feed(std::string_view(body).substr(0, body.size() - 20)));
  CHECK_FALSE(reader.finished());

  MultipartReader::Callbacks refuse;
  refuse.on_data = [](std::string_view) { return false; };
  MultipartReader stopped(kBoundary, refuse);
  CHECK_FALSE(stopped.feed(body));
  CHECK_FALSE(stopped.error().empty());

  MultipartReader garbage(kBoundary, {});
  CHECK(garbage.feed("--" + kBoundary + "\r\n" + std::string(20000, 'h')) == false);  // headers never end
}
