#include "rtmp/amf0.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "rtmp/protocol_error.hpp"
#include "rtmp/test_support.hpp"

namespace tidecast::rtmp {
namespace {

using test::Bytes;

AmfValue round_trip(const AmfValue& v) {
  Bytes encoded;
  amf0_encode(v, encoded);
  const auto decoded = amf0_decode_all(encoded);
  REQUIRE(decoded.size() == 1);
  return decoded[0];
}

// The payload of the connect command ffmpeg 5.1 sends (captured by
// tests/rtmp/data/capture_ffmpeg_hello.py; chunk headers removed).
const Bytes kFfmpegConnect = {
    0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x03, 0x00, 0x03, 0x61, 0x70, 0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x04, 0x74, 0x79,
    0x70, 0x65, 0x02, 0x00, 0x0a, 0x6e, 0x6f, 0x6e, 0x70, 0x72, 0x69, 0x76, 0x61, 0x74, 0x65, 0x00, 0x08, 0x66,
    0x6c, 0x61, 0x73, 0x68, 0x56, 0x65, 0x72, 0x02, 0x00, 0x24, 0x46, 0x4d, 0x4c, 0x45, 0x2f, 0x33, 0x2e, 0x30,
    0x20, 0x28, 0x63, 0x6f, 0x6d, 0x70, 0x61, 0x74, 0x69, 0x62, 0x6c, 0x65, 0x3b, 0x20, 0x4c, 0x61, 0x76, 0x66,
    0x35, 0x39, 0x2e, 0x32, 0x37, 0x2e, 0x31, 0x30, 0x30, 0x29, 0x00, 0x05, 0x74, 0x63, 0x55, 0x72, 0x6c, 0x02,
    0x00, 0x1b, 0x72, 0x74, 0x6d, 0x70, 0x3a, 0x2f, 0x2f, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x31,
    0x3a, 0x34, 0x37, 0x34, 0x33, 0x39, 0x2f, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x00, 0x09};

}  // namespace

TEST_CASE("amf0: round trip of every type") {
  const AmfValue values[] = {
      AmfValue(0.0),
      AmfValue(-1.5),
      AmfValue(1e300),
      AmfValue(std::numeric_limits<double>::infinity()),
      AmfValue(42),
      AmfValue(true),
      AmfValue(false),
      AmfValue(""),
      AmfValue("connect"),
      AmfValue(std::string("utf-8 \xc3\xa9 and \0 nul", 18)),
      AmfValue(std::string(70000, 'x')),  // encoded as a long string
      AmfValue::null(),
      AmfValue::undefined(),
      AmfValue::object({}),
      AmfValue::object({{"level", "status"},
                        {"code", "NetStream.Publish.Start"},
                        {"nested", AmfValue::object({{"deep", AmfValue::strict_array({1, "two", AmfValue::null()})}})},
                        {"dup", 1},
                        {"dup", 2}}),
      AmfValue::ecma_array({}),
      AmfValue::ecma_array({{"width", 1920}, {"height", 1080}, {"encoder", "obs"}}),
      AmfValue::strict_array({}),
      AmfValue::strict_array({AmfValue::undefined(), AmfValue::object({{"a", false}}), AmfValue::ecma_array({})}),
      AmfValue::date(1700000000000.0, 0),
      AmfValue::date(-5.0, -60),
      AmfValue::object_end(),
  };
  for (const AmfValue& v : values) {
    CAPTURE(amf0_to_string(v, 80));
    const AmfValue back = round_trip(v);
    CHECK(back.type() == v.type());
    CHECK(back == v);
  }
  CHECK(std::isnan(round_trip(AmfValue(std::nan(""))).as_number()));
}

TEST_CASE("amf0: exact encodings") {
  CHECK(amf0_encode_all({1.0}) == Bytes{0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0});
  CHECK(amf0_encode_all({true, false}) == Bytes{0x01, 0x01, 0x01, 0x00});
  CHECK(amf0_encode_all({"ab"}) == Bytes{0x02, 0x00, 0x02, 'a', 'b'});
  CHECK(amf0_encode_all({AmfValue::null(), AmfValue::undefined()}) == Bytes{0x05, 0x06});
  CHECK(amf0_encode_all({AmfValue::object({{"a", AmfValue::null()}})}) ==
        Bytes{0x03, 0x00, 0x01, 'a', 0x05, 0x00, 0x00, 0x09});
  CHECK(amf0_encode_all({AmfValue::ecma_array({{"a", AmfValue::null()}})}) ==
        Bytes{0x08, 0, 0, 0, 1, 0x00, 0x01, 'a', 0x05, 0x00, 0x00, 0x09});
  CHECK(amf0_encode_all({AmfValue::strict_array({AmfValue::null()})}) == Bytes{0x0A, 0, 0, 0, 1, 0x05});
  CHECK(amf0_encode_all({AmfValue::date(0, 1)}) == Bytes{0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01});
  const Bytes long_string = amf0_encode_all({std::string(0x10000, 'y')});
  CHECK(Bytes(long_string.begin(), long_string.begin() + 5) == Bytes{0x0C, 0x00, 0x01, 0x00, 0x00});
}

TEST_CASE("amf0: a real ffmpeg connect command") {
  const auto values = amf0_decode_all(kFfmpegConnect);
  REQUIRE(values.size() == 3);
  CHECK(values[0].as_string() == "connect");
  CHECK(values[1].as_number() == 1);
  const AmfValue& object = values[2];
  REQUIRE(object.is_object());
  CHECK(object.as_object().size() == 4);
  CHECK(object.get("app")->as_string() == "live");
  CHECK(object.get("type")->as_string() == "nonprivate");
  CHECK(object.get("flashVer")->as_string() == "FMLE/3.0 (compatible; Lavf59.27.100)");
  CHECK(object.get("tcUrl")->as_string() == "rtmp://127.0.0.1:47439/live");
  CHECK(object.get("missing") == nullptr);
  // Re-encoding gives the same bytes.
  CHECK(amf0_encode_all(values) == kFfmpegConnect);
}

TEST_CASE("amf0: decode one value at a time") {
  std::size_t offset = 0;
  CHECK(amf0_decode_one(kFfmpegConnect, offset).as_string() == "connect");
  CHECK(offset == 10);
  CHECK(amf0_decode_one(kFfmpegConnect, offset).as_number() == 1);
  CHECK(amf0_decode_one(kFfmpegConnect, offset).is_object());
  CHECK(offset == kFfmpegConnect.size());
  CHECK_THROWS_AS(amf0_decode_one(kFfmpegConnect, offset), ProtocolError);
}

TEST_CASE("amf0: every truncation of a valid value is an error") {
  const Bytes full = amf0_encode_all(
      {AmfValue::object({{"a", 1.5},
                         {"b", AmfValue::ecma_array({{"c", "text"}, {"d", AmfValue::date(3, 0)}})},
                         {"e", AmfValue::strict_array({true, AmfValue::null(), std::string(300, 'z')})}})});
  for (std::size_t n = 1; n < full.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(amf0_decode_all(std::span(full).first(n)), ProtocolError);
  }
  CHECK(amf0_decode_all(std::span(full).first(0)).empty());
  CHECK_THROWS_WITH(amf0_decode_all(Bytes{0x02, 0x00, 0x05, 'a'}), "amf0: truncated string (need 5 bytes, 1 left)");
}

TEST_CASE("amf0: unsupported and unknown markers") {
  CHECK_THROWS_WITH_AS(amf0_decode_all(Bytes{0x11, 0x01}), doctest::Contains("AMF3"), ProtocolError);
  CHECK_THROWS_WITH_AS(amf0_decode_all(Bytes{0x07, 0x00, 0x01}), doctest::Contains("references"), ProtocolError);
  CHECK_THROWS_AS(amf0_decode_all(Bytes{0x10, 0x00, 0x01, 'T', 0x00, 0x00, 0x09}), ProtocolError);
  CHECK_THROWS_AS(amf0_decode_all(Bytes{0x0F, 0, 0, 0, 0}), ProtocolError);
  CHECK_THROWS_AS(amf0_decode_all(Bytes{0x04}), ProtocolError);
  CHECK_THROWS_AS(amf0_decode_all(Bytes{0x0E}), ProtocolError);
  CHECK_THROWS_WITH_AS(amf0_decode_all(Bytes{0x12}), "amf0: unknown marker 18", ProtocolError);
  CHECK_THROWS_WITH_AS(amf0_decode_all(Bytes{0xFF}), "amf0: unknown marker 255", ProtocolError);
  // 0x0D "unsupported" is a value of its own; it reads as undefined.
  CHECK(amf0_decode_all(Bytes{0x0D})[0].is_undefined());
}

TEST_CASE("amf0: lenient where real encoders differ") {
  // The ECMA array count is a hint: entries run to the end marker.
  const auto ecma = amf0_decode_all(Bytes{0x08, 0, 0, 0, 9, 0x00, 0x01, 'a', 0x05, 0x00, 0x00, 0x09});
  CHECK(ecma[0].as_object().size() == 1);
  // An empty property name followed by a value other than the end marker.
  const auto empty_key = amf0_decode_all(Bytes{0x03, 0x00, 0x00, 0x05, 0x00, 0x00, 0x09});
  REQUIRE(empty_key[0].as_object().size() == 1);
  CHECK(empty_key[0].as_object()[0].first.empty());
  // A stray object-end marker at top level decodes as a value.
  CHECK(amf0_decode_all(Bytes{0x05, 0x09})[1].is_object_end());
}

TEST_CASE("amf0: nesting bombs and count lies") {
  SUBCASE("deep objects") {
    Bytes bomb;
    for (int i = 0; i < 100000; ++i) bomb.insert(bomb.end(), {0x03, 0x00, 0x01, 'a'});
    CHECK_THROWS_WITH_AS(amf0_decode_all(bomb), "amf0: nesting deeper than 64 levels", ProtocolError);
  }
  SUBCASE("deep strict arrays") {
    Bytes bomb;
    for (int i = 0; i < 100000; ++i) bomb.insert(bomb.end(), {0x0A, 0x00, 0x00, 0x00, 0x01});
    CHECK_THROWS_AS(amf0_decode_all(bomb), ProtocolError);
  }
  SUBCASE("64 levels are fine") {
    AmfValue v = 1;
    for (std::size_t i = 0; i < amf0_max_depth; ++i) v = AmfValue::strict_array({v});
    CHECK(round_trip(v) == v);
  }
  SUBCASE("strict array count larger than the input") {
    CHECK_THROWS_WITH_AS(amf0_decode_all(Bytes{0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05}),
                         "amf0: strict array claims 4294967295 items but only 1 bytes are left", ProtocolError);
  }
  SUBCASE("long string length larger than the input") {
    CHECK_THROWS_AS(amf0_decode_all(Bytes{0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 'a'}), ProtocolError);
  }
  SUBCASE("too many values") {
    Bytes many = {0x0A, 0x00, 0x08, 0x00, 0x00};  // 0x80000 nulls
    many.insert(many.end(), 0x80000, 0x05);
    CHECK_THROWS_WITH_AS(amf0_decode_all(many), doctest::Contains("values in one message"), ProtocolError);
  }
  SUBCASE("object without its end marker") {
    CHECK_THROWS_AS(amf0_decode_all(Bytes{0x03, 0x00, 0x01, 'a', 0x05}), ProtocolError);
    CHECK_THROWS_AS(amf0_decode_all(Bytes{0x03, 0x00, 0x00}), ProtocolError);
  }
}

TEST_CASE("amf0: accessors") {
  const AmfValue obj = AmfValue::object({{"n", 3}, {"s", "text"}, {"b", true}});
  CHECK(obj.get("n")->as_number() == 3);
  CHECK(obj.number_or("n", 0) == 3);
  CHECK(obj.number_or("s", -1) == -1);
  CHECK(obj.string_or("s", "") == "text");
  CHECK(obj.string_or("missing", "fallback") == "fallback");
  CHECK(obj.get("b")->as_boolean());
  CHECK(AmfValue("x").get("n") == nullptr);
  CHECK(AmfValue::ecma_array({{"k", 1}}).get("k")->as_number() == 1);
  CHECK(AmfValue::null().is_nullish());
  CHECK(AmfValue::undefined().is_nullish());
  CHECK_THROWS_WITH_AS(AmfValue("x").as_number(), "amf0: expected number, got string", ProtocolError);
  CHECK_THROWS_AS(AmfValue(1).as_string(), ProtocolError);
  CHECK_THROWS_AS(AmfValue(1).as_object(), ProtocolError);
  CHECK_THROWS_AS(AmfValue(1).as_strict_array(), ProtocolError);
  CHECK_THROWS_AS(AmfValue(1).as_boolean(), ProtocolError);
  CHECK_THROWS_AS(AmfValue(1).as_date(), ProtocolError);
  CHECK(AmfValue() == AmfValue::null());
  CHECK(AmfValue(nullptr).is_null());
  CHECK(AmfValue(static_cast<const char*>(nullptr)).is_null());
  CHECK_FALSE(AmfValue(1) == AmfValue(true));
  CHECK_FALSE(AmfValue::object({}) == AmfValue::ecma_array({}));
}

TEST_CASE("amf0: text rendering for logs") {
  const AmfValue v =
      AmfValue::object({{"app", "live"}, {"n", 1.5}, {"a", AmfValue::strict_array({true, AmfValue::null()})}});
  CHECK(amf0_to_string(v) == "{\"app\":\"live\",\"n\":1.5,\"a\":[true,null]}");
  CHECK(amf0_to_string(AmfValue(std::string(100, 'q')), 10) == "\"qqqqqqqqq...");
}

}  // namespace tidecast::rtmp
