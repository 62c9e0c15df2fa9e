// libFuzzer target for the streaming multipart/form-data reader and the
// boundary parameter parser. Input: byte 0 seeds the piece sizes the body is
// fed in; the rest is the body, with the boundary "fuzzB" (the Content-Type
// parser gets the input as a header value too).
// Oracles: fed whole or in pieces, a body that both readers accept yields the
// same parts with the same bytes and the same end state; a part's data never
// exceeds the body; a boundary, when found, is 1..70 bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "http/multipart.hpp"

using tidecast::fuzz::check;
using namespace tidecast::http;

namespace {

struct Record {
  std::vector<std::string> parts;  // name, filename, content type, data, joined by \n
  bool ok = true;
  bool finished = false;
  bool in_part = false;
};

Record run(std::string_view body, std::uint32_t seed) {
  Record record;
  MultipartReader reader(
      "fuzzB", {
                   .on_part =
                       [&](const MultipartPart& part) {
                         check(!record.in_part);
                         record.in_part = true;
                         record.parts.push_back(part.name + "\n" + part.filename + "\n" + part.content_type + "\n");
                       },
                   .on_data =
                       [&](std::string_view data) {
                         check(record.in_part && !data.empty());
                         record.parts.back().append(data);
                         return true;
                       },
                   .on_part_end =
                       [&] {
                         check(record.in_part);
                         record.in_part = false;
                       },
               });
  std::uint32_t rng = seed * 2654435761u + 1;
  while (!body.empty()) {
    std::size_t n = body.size();
    if (seed != 0) {
      rng ^= rng << 13;
      rng ^= rng >> 17;
      rng ^= rng << 5;
      n = std::min<std::size_t>(body.size(), 1 + rng % 16);
    }
    if (!reader.feed(body.substr(0, n))) {
      check(!reader.error().empty());
      record.ok = false;
      return record;
    }
    body.remove_prefix(n);
  }
  record.finished = reader.finished();
  return record;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all = tidecast::fuzz::as_text(data, size);
  if (const auto boundary = multipart_boundary(all)) check(!boundary->empty() && boundary->size() <= 70);
  if (size < 1) return 0;
  const std::string_view body = all.substr(1);
  const Record whole = run(body, 0);
  const Record pieces = run(body, data[0] | 0x100u);
  for (const Record* r : {&whole, &pieces}) {
    std::size_t total = 0;
    for (const std::string& part : r->parts) total += part.size();
    check(total <= body.size() * 4 + 16);
  }
  if (whole.ok && pieces.ok) {
    check(whole.parts == pieces.parts);
    check(whole.finished == pieces.finished);
  }
  return 0;
}
