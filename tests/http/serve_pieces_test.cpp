// serve_pieces: a run of buffers (a low-latency segment held as its parts)
// answered as one representation, Range included, without joining them.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <boost/beast/http/write.hpp>
#include <sstream>

#include "http/serve_bytes.hpp"

using namespace tidecast;
namespace beast_http = boost::beast::http;

namespace {

const std::vector<std::string> kPieces = {"styp+moof0", "mdat-0", "moof1", "", "mdat-1-longer"};

http::Response get(std::map<std::string, std::string> headers = {}, http::Verb verb = http::Verb::get) {
  http::Request request{verb, "/s", 11};
  for (const auto& [name, value] : headers) request.set(name, value);
  std::vector<std::string_view> pieces(kPieces.begin(), kPieces.end());
  return http::serve_pieces(request, {.owner = nullptr,
                                      .pieces = std::move(pieces),
                                      .content_type = "video/iso.segment",
                                      .etag = "\"s\"",
                                      .cache_control = "immutable"});
}

std::string body_of(const http::Response& response) {
  std::ostringstream out;
  out << response;
  const std::string wire = out.str();
  return wire.substr(wire.find("\r\n\r\n") + 4);
}

}  // namespace

TEST_CASE("serve_pieces: the whole run, ranges across piece borders, HEAD, 304, 416") {
  std::string whole;
  for (const auto& piece : kPieces) whole += piece;
  const auto all = get();
  CHECK(all.result() == http::Status::ok);
  CHECK(all[beast_http::field::content_length] == std::to_string(whole.size()));
  CHECK(body_of(all) == whole);

  for (const auto& [first, last] : std::vector<std::pair<std::size_t, std::size_t>>{
           {0, 0}, {3, 12}, {10, 10}, {9, 21}, {16, whole.size() - 1}, {0, whole.size() - 1}}) {
    CAPTURE(first);
    CAPTURE(last);
    const auto part = get({{"Range", fmt::format("bytes={}-{}", first, last)}});
    CHECK(part.result() == http::Status::partial_content);
    CHECK(body_of(part) == whole.substr(first, last - first + 1));
  }
  const auto head = get({}, http::Verb::head);
  CHECK(head[beast_http::field::content_length] == std::to_string(whole.size()));
  CHECK(get({{"If-None-Match", "\"s\""}}).result() == http::Status::not_modified);
  CHECK(get({{"Range", "bytes=999-"}}).result() == http::Status::range_not_satisfiable);
}
