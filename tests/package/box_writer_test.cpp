#include "package/box_writer.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "package/box_reader.hpp"

using tidecast::package::BoxWriter;

TEST_CASE("BoxWriter writes big-endian fields") {
  BoxWriter w;
  w.u8(0x01);
  w.u16(0x0203);
  w.u24(0x040506);
  w.u32(0x0708090a);
  w.u64(0x0b0c0d0e0f101112ull);
  w.i16(-2);
  w.i32(-1);
  w.fourcc("abcd");
  w.zeros(2);
  const std::vector<std::uint8_t> expected = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                              0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0xff, 0xfe,
                                              0xff, 0xff, 0xff, 0xff, 'a',  'b',  'c',  'd',  0x00, 0x00};
  CHECK(w.data() == expected);
  CHECK_THROWS_AS(w.fourcc("toolong"), std::invalid_argument);
}

TEST_CASE("BoxWriter back-patches nested box sizes") {
  BoxWriter w;
  w.box("moov", [&] {
    w.full_box("mvhd", 1, 0x000102, [&] { w.u32(42); });
    w.box("trak", [&] { w.box("free", [] {}); });
  });
  w.box("mdat", [&] { w.zeros(5); });
  const std::vector<std::uint8_t> bytes = w.take();
  REQUIRE(bytes.size() == 8 + (8 + 4 + 4) + (8 + 8) + (8 + 5));

  const auto boxes = tidecast::test::parse_boxes(bytes);
  REQUIRE(boxes.size() == 2);
  CHECK(boxes[0].type == "moov");
  CHECK(boxes[0].size == 40);
  REQUIRE(boxes[0].children.size() == 2);
  const tidecast::test::Box& mvhd = boxes[0].children[0];
  CHECK(mvhd.type == "mvhd");
  CHECK(mvhd.size == 16);
  CHECK(mvhd.version() == 1);
  CHECK(mvhd.flags() == 0x000102);
  CHECK(tidecast::test::be32(mvhd.body, 4) == 42);
  CHECK(boxes[0].find("trak/free") != nullptr);
  CHECK(boxes[1].type == "mdat");
  CHECK(boxes[1].size == 13);
}

TEST_CASE("BoxWriter patch_u32 is bounds-checked") {
  BoxWriter w;
  w.u32(0);
  w.patch_u32(0, 0xdeadbeef);
  CHECK(tidecast::test::be32(w.data(), 0) == 0xdeadbeef);
  CHECK_THROWS_AS(w.patch_u32(1, 0), std::out_of_range);
  CHECK_THROWS_AS(w.patch_u32(100, 0), std::out_of_range);
}
