#include "package/fmp4.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "media/av1.hpp"
#include "media/hevc.hpp"
#include "package/box_reader.hpp"
#include "package/test_streams.hpp"

namespace media = tidecast::media;
namespace package = tidecast::package;
using tidecast::test::be16;
using tidecast::test::be32;
using tidecast::test::be64;
using tidecast::test::Box;
using tidecast::test::find_box;
using tidecast::test::parse_boxes;

namespace {

std::vector<std::string> brands(const Box& ftyp) {
  std::vector<std::string> out;
  for (std::size_t i = 8; i + 4 <= ftyp.body.size(); i += 4) {
    out.emplace_back(reinterpret_cast<const char*>(ftyp.body.data() + i), 4);
  }
  return out;
}

std::string fourcc_at(std::span<const std::uint8_t> data, std::size_t offset) {
  return std::string(reinterpret_cast<const char*>(data.data() + offset), 4);
}

// Reads one MPEG-4 descriptor header: returns the payload, advances `position`.
std::span<const std::uint8_t> descriptor(std::span<const std::uint8_t> data, std::size_t& position, int tag) {
  REQUIRE(data[position] == tag);
  ++position;
  std::size_t size = 0;
  for (int i = 0; i < 4; ++i) {
    const std::uint8_t byte = data[position++];
    size = (size << 7) | (byte & 0x7f);
    if (!(byte & 0x80)) break;
  }
  const auto payload = data.subspan(position, size);
  return payload;
}

}  // namespace

TEST_CASE("H.264 init segment: ftyp + moov with avc1/avcC and mvex") {
  const package::TrackSpec track = package::make_track_spec(media::avc_video_config(tidecast::test::kAvcc720p), 1);
  CHECK(track.timescale == 90000);
  CHECK(track.kind() == media::TrackKind::video);
  const std::vector<std::uint8_t> init = package::write_init_segment(track);
  const auto boxes = parse_boxes(init);
  REQUIRE(boxes.size() == 2);
  CHECK(boxes[0].type == "ftyp");
  CHECK(boxes[1].type == "moov");
  CHECK(boxes[0].size + boxes[1].size == init.size());
  CHECK(fourcc_at(boxes[0].body, 0) == "iso6");
  const auto compatible = brands(boxes[0]);
  CHECK(compatible == std::vector<std::string>{"iso6", "cmfc", "mp41", "dash"});

  const Box* mvhd = find_box(boxes, "moov/mvhd");
  REQUIRE(mvhd);
  CHECK(be32(mvhd->body, 12) == 90000);                 // timescale
  CHECK(be32(mvhd->body, mvhd->body.size() - 4) == 2);  // next_track_ID

  const Box* tkhd = find_box(boxes, "moov/trak/tkhd");
  REQUIRE(tkhd);
  CHECK(tkhd->flags() == 3);
  CHECK(be32(tkhd->body, 12) == 1);  // track_ID
  CHECK(be32(tkhd->body, 76) == 1280u << 16);
  CHECK(be32(tkhd->body, 80) == 720u << 16);

  const Box* mdhd = find_box(boxes, "moov/trak/mdia/mdhd");
  REQUIRE(mdhd);
  CHECK(be32(mdhd->body, 12) == 90000);
  CHECK(be16(mdhd->body, 20) == 0x55c4);  // "und"
  const Box* hdlr = find_box(boxes, "moov/trak/mdia/hdlr");
  REQUIRE(hdlr);
  CHECK(fourcc_at(hdlr->body, 8) == "vide");
  CHECK(find_box(boxes, "moov/trak/mdia/minf/vmhd") != nullptr);
  CHECK(find_box(boxes, "moov/trak/mdia/minf/dinf/dref/url ") != nullptr);

  const Box* avc1 = find_box(boxes, "moov/trak/mdia/minf/stbl/stsd/avc1");
  REQUIRE(avc1);
  CHECK(be16(avc1->body, 6) == 1);  // data_reference_index
  CHECK(be16(avc1->body, 24) == 1280);
  CHECK(be16(avc1->body, 26) == 720);
  CHECK(be16(avc1->body, 74) == 0x0018);
  const Box* avcc = avc1->find("avcC");
  REQUIRE(avcc);
  CHECK(std::vector<std::uint8_t>(avcc->body.begin(), avcc->body.end()) == tidecast::test::kAvcc720p);

  for (const char* table : {"stts", "stsc", "stco"}) {
    const Box* box = find_box(boxes, std::string("moov/trak/mdia/minf/stbl/") + table);
    REQUIRE(box);
    CHECK(box->size == 16);  // full box + entry_count 0
    CHECK(be32(box->body, 4) == 0);
  }
  const Box* stsz = find_box(boxes, "moov/trak/mdia/minf/stbl/stsz");
  REQUIRE(stsz);
  CHECK(stsz->size == 20);

  const Box* trex = find_box(boxes, "moov/mvex/trex");
  REQUIRE(trex);
  CHECK(be32(trex->body, 4) == 1);  // track_ID
  CHECK(be32(trex->body, 8) == 1);  // default_sample_description_index
}

TEST_CASE("HEVC and AV1 init segments use hvc1/hvcC and av01/av1C") {
  const auto hevc =
      package::write_init_segment(package::make_track_spec(media::hevc_video_config(tidecast::test::kHvcc1080p)));
  const auto hevc_boxes = parse_boxes(hevc);
  const Box* hvc1 = find_box(hevc_boxes, "moov/trak/mdia/minf/stbl/stsd/hvc1");
  REQUIRE(hvc1);
  CHECK(be16(hvc1->body, 24) == 1920);
  CHECK(be16(hvc1->body, 26) == 1080);
  REQUIRE(hvc1->find("hvcC"));
  CHECK(hvc1->find("hvcC")->body.size() == tidecast::test::kHvcc1080p.size());

  const auto av1 =
      package::write_init_segment(package::make_track_spec(media::av1_video_config(tidecast::test::kAv1c360p)));
  const auto av1_boxes = parse_boxes(av1);
  const Box* av01 = find_box(av1_boxes, "moov/trak/mdia/minf/stbl/stsd/av01");
  REQUIRE(av01);
  CHECK(be16(av01->body, 24) == 640);
  REQUIRE(av01->find("av1C"));
  CHECK(std::vector<std::uint8_t>(av01->find("av1C")->body.begin(), av01->find("av1C")->body.end()) ==
        tidecast::test::kAv1c360p);
}

TEST_CASE("AAC init segment: mp4a with esds carrying the AudioSpecificConfig") {
  const package::TrackSpec track =
      package::make_track_spec(media::aac_audio_config(tidecast::test::kAsc44100Stereo), 2);
  CHECK(track.timescale == 44100);
  CHECK(track.kind() == media::TrackKind::audio);
  const auto init = package::write_init_segment(track);
  const auto boxes = parse_boxes(init);
  CHECK(be32(find_box(boxes, "moov/mvhd")->body, 12) == 44100);
  CHECK(be32(find_box(boxes, "moov/trak/mdia/mdhd")->body, 12) == 44100);
  CHECK(fourcc_at(find_box(boxes, "moov/trak/mdia/hdlr")->body, 8) == "soun");
  CHECK(find_box(boxes, "moov/trak/mdia/minf/smhd") != nullptr);
  const Box* tkhd = find_box(boxes, "moov/trak/tkhd");
  CHECK(be32(tkhd->body, 12) == 2);
  CHECK(be16(tkhd->body, 36) == 0x0100);  // volume

  const Box* mp4a = find_box(boxes, "moov/trak/mdia/minf/stbl/stsd/mp4a");
  REQUIRE(mp4a);
  CHECK(be16(mp4a->body, 16) == 2);   // channelcount
  CHECK(be16(mp4a->body, 18) == 16);  // samplesize
  CHECK(be32(mp4a->body, 24) == 44100u << 16);
  const Box* esds = mp4a->find("esds");
  REQUIRE(esds);
  std::size_t position = 4;  // after version/flags
  const auto es = descriptor(esds->body, position, 0x03);
  CHECK(position + es.size() == esds->body.size());
  std::size_t es_position = 3;  // ES_ID, flags
  const auto decoder_config = descriptor(es, es_position, 0x04);
  CHECK(decoder_config[0] == 0x40);  // MPEG-4 audio
  CHECK(decoder_config[1] == 0x15);  // audio stream
  std::size_t dc_position = 13;
  const auto specific = descriptor(decoder_config, dc_position, 0x05);
  CHECK(std::vector<std::uint8_t>(specific.begin(), specific.end()) == tidecast::test::kAsc44100Stereo);
  es_position += decoder_config.size();
  const auto sl = descriptor(es, es_position, 0x06);
  REQUIRE(sl.size() == 1);
  CHECK(sl[0] == 0x02);
}

TEST_CASE("video media segment: styp + moof(mfhd, traf(tfhd, tfdt v1, trun v1)) + mdat") {
  const package::TrackSpec track = package::make_track_spec(media::avc_video_config(tidecast::test::kAvcc720p), 1);
  const std::vector<std::uint8_t> a = {1, 2, 3, 4, 5}, b = {6, 7}, c = {8, 9, 10};
  const package::Sample samples[] = {{3000, 6000, true, a}, {3000, -3000, false, b}, {3003, 0, false, c}};
  const std::uint64_t base = 0x1'0000'0001ull;  // needs the 64-bit tfdt
  const auto bytes = package::write_media_segment(track, 7, base, samples);
  const auto boxes = parse_boxes(bytes);
  REQUIRE(boxes.size() == 3);
  CHECK(boxes[0].type == "styp");
  CHECK(fourcc_at(boxes[0].body, 0) == "msdh");
  CHECK(boxes[1].type == "moof");
  CHECK(boxes[2].type == "mdat");

  CHECK(be32(find_box(boxes, "moof/mfhd")->body, 4) == 7);
  const Box* tfhd = find_box(boxes, "moof/traf/tfhd");
  CHECK(tfhd->flags() == 0x020000);  // default-base-is-moof
  CHECK(be32(tfhd->body, 4) == 1);
  const Box* tfdt = find_box(boxes, "moof/traf/tfdt");
  CHECK(tfdt->version() == 1);
  CHECK(be64(tfdt->body, 4) == base);

  const Box* trun_box = find_box(boxes, "moof/traf/trun");
  CHECK(trun_box->version() == 1);
  const auto trun = tidecast::test::parse_trun(*trun_box);
  CHECK(trun.flags == 0x000f01);
  CHECK(trun.data_offset == static_cast<std::int32_t>(boxes[1].size + 8));
  REQUIRE(trun.entries.size() == 3);
  CHECK(trun.entries[0].duration == 3000);
  CHECK(trun.entries[0].size == 5);
  CHECK(trun.entries[0].flags == package::kSyncSampleFlags);
  CHECK(trun.entries[0].composition_offset == 6000);
  CHECK(trun.entries[1].flags == package::kNonSyncSampleFlags);
  CHECK(trun.entries[1].composition_offset == -3000);
  CHECK(trun.entries[2].duration == 3003);

  // data_offset is relative to the moof start and lands on the first sample.
  const std::size_t moof_start = boxes[0].size;
  const std::vector<std::uint8_t> payload(bytes.begin() + static_cast<std::ptrdiff_t>(moof_start + trun.data_offset),
                                          bytes.end());
  CHECK(payload == std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE("a media segment's buffer is sized once from its samples (no growth, no slack)") {
  // A growing buffer recopied a 0.75 MB segment about 20 times over while
  // doubling; the writer now reserves styp + moof + mdat up front.
  const package::TrackSpec track = package::make_track_spec(media::avc_video_config(tidecast::test::kAvcc720p), 1);
  const std::vector<std::uint8_t> key(200'000, 0x11), frame(12'000, 0x22);
  std::vector<package::Sample> samples;
  samples.push_back({.duration = 3000, .composition_offset = 0, .is_sync = true, .data = key});
  for (int i = 0; i < 59; ++i) {
    samples.push_back({.duration = 3000, .composition_offset = 3000, .is_sync = false, .data = frame});
  }
  for (const bool styp : {true, false}) {
    const auto bytes = package::write_media_segment(track, 1, 0, samples, styp);
    CHECK(bytes.size() > 200'000 + 59 * 12'000);
    CHECK(bytes.capacity() >= bytes.size());
    CHECK(bytes.capacity() - bytes.size() < 64);  // one exact reservation, not a doubled buffer
  }
}

TEST_CASE("audio media segment has no composition offsets") {
  const package::TrackSpec track =
      package::make_track_spec(media::aac_audio_config(tidecast::test::kAsc44100Stereo), 2);
  const std::vector<std::uint8_t> frame = {0x21, 0x10};
  const package::Sample samples[] = {{1024, 0, true, frame}, {1024, 0, true, frame}};
  const auto bytes = package::write_media_segment(track, 1, 0, samples);
  const auto boxes = parse_boxes(bytes);  // views into `bytes`
  const auto trun = tidecast::test::parse_trun(*find_box(boxes, "moof/traf/trun"));
  CHECK(trun.flags == 0x000701);
  CHECK(trun.entries.size() == 2);
  CHECK(be32(find_box(boxes, "moof/traf/tfhd")->body, 4) == 2);
}

TEST_CASE("fmp4 argument errors") {
  const package::TrackSpec track = package::make_track_spec(media::avc_video_config(tidecast::test::kAvcc720p), 1);
  CHECK_THROWS_AS(package::write_media_segment(track, 1, 0, {}), std::invalid_argument);
  media::AudioTrackConfig no_rate;
  CHECK_THROWS_AS(package::make_track_spec(no_rate), std::invalid_argument);
  media::VideoTrackConfig no_size = media::avc_video_config(tidecast::test::kAvcc720p);
  no_size.width = 0;
  CHECK_THROWS_AS(package::write_init_segment(package::make_track_spec(no_size)), std::invalid_argument);
}
