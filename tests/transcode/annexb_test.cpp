#include "transcode/annexb.hpp"

#include <doctest/doctest.h>

#include "media/avc.hpp"

using namespace tidecast;
using transcode::Bytes;

namespace {

// SPS/PPS of a libx264 1280x720 High@3.1 stream (from tests/package/test_streams.hpp).
const Bytes kSps = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00,
                    0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60};
const Bytes kPps = {0x68, 0xef, 0x8f, 0xcb};

}  // namespace

TEST_CASE("Annex B splits on 3- and 4-byte start codes and trims trailing zeros") {
  const Bytes stream = {0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 0xaa, 0, 0, 0, 0, 1, 0x65, 0x88, 0x00, 0x03, 0x01, 0, 0};
  const auto units = transcode::split_annexb(stream);
  REQUIRE(units.size() == 3);
  CHECK(Bytes(units[0].begin(), units[0].end()) == Bytes{0x09, 0xf0});
  CHECK(Bytes(units[1].begin(), units[1].end()) == Bytes{0x67, 0xaa});
  CHECK(Bytes(units[2].begin(), units[2].end()) == Bytes{0x65, 0x88, 0x00, 0x03, 0x01});
  CHECK(transcode::is_annexb(stream));
  CHECK_FALSE(transcode::is_annexb(Bytes{0, 0, 0, 5, 0x65}));
}

TEST_CASE("Annex B to 4-byte lengths drops access unit delimiters") {
  const Bytes stream = {0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x06, 0x05, 0, 0, 1, 0x65, 0x88, 0x84};
  const Bytes expected = {0, 0, 0, 2, 0x06, 0x05, 0, 0, 0, 3, 0x65, 0x88, 0x84};
  const Bytes converted = transcode::annexb_to_length_prefixed(stream);
  CHECK(converted == expected);
  CHECK(media::avc_is_idr(converted, 4));
  CHECK(transcode::annexb_to_length_prefixed(Bytes{}).empty());
}

TEST_CASE("short NAL lengths are widened to 4 bytes; bad lengths throw") {
  CHECK(transcode::to_four_byte_lengths(Bytes{0, 2, 0x65, 0x01, 0, 1, 0x41}, 2) ==
        Bytes{0, 0, 0, 2, 0x65, 0x01, 0, 0, 0, 1, 0x41});
  CHECK(transcode::to_four_byte_lengths(Bytes{1, 0x65}, 1) == Bytes{0, 0, 0, 1, 0x65});
  CHECK_THROWS_AS(transcode::to_four_byte_lengths(Bytes{0, 5, 0x65}, 2), std::invalid_argument);
  CHECK_THROWS_AS(transcode::to_four_byte_lengths(Bytes{0}, 2), std::invalid_argument);
  CHECK_THROWS_AS(transcode::to_four_byte_lengths(Bytes{}, 3), std::invalid_argument);
}

TEST_CASE("avcC from Annex B parameter sets parses back with the real codecs string") {
  Bytes extradata = {0, 0, 0, 1};
  extradata.insert(extradata.end(), kSps.begin(), kSps.end());
  extradata.insert(extradata.end(), {0, 0, 0, 1});
  extradata.insert(extradata.end(), kPps.begin(), kPps.end());
  const Bytes avcc = transcode::avcc_from_extradata(extradata);
  const media::AvcConfig parsed = media::parse_avcc(avcc);
  CHECK(parsed.nal_length_size == 4);
  REQUIRE(parsed.sps.size() == 1);
  CHECK(parsed.sps[0] == kSps);
  CHECK(parsed.pps[0] == kPps);
  CHECK(avcc.size() == 6 + 2 + kSps.size() + 1 + 2 + kPps.size() + 4);  // High profile: 4 extension bytes
  CHECK(avcc[avcc.size() - 4] == 0xfd);                                 // chroma_format_idc 1 (4:2:0)
  const media::VideoTrackConfig video = media::avc_video_config(avcc);
  CHECK(video.codecs == "avc1.64001f");
  CHECK(video.width == 1280);
  CHECK(video.height == 720);
  CHECK(transcode::avcc_from_extradata(avcc) == avcc);  // already avcC
  CHECK_THROWS_AS(transcode::avcc_from_extradata(Bytes{0, 0, 1, 0x68, 0xef}), std::invalid_argument);
}
