#include "rtmp/flv.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "rtmp/protocol_error.hpp"
#include "rtmp/test_support.hpp"

namespace tidecast::rtmp {
namespace {

using test::Bytes;

Bytes tag(std::initializer_list<std::uint8_t> header, const Bytes& body = {}) {
  Bytes out(header);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes span_bytes(std::span<const std::uint8_t> s) {
  return Bytes(s.begin(), s.end());
}

// The parsed tag plus a copy of its body: body points into the payload, and
// most payloads below are temporaries.
struct Video : VideoTag {
  Bytes body_copy;
};
struct Audio : AudioTag {
  Bytes body_copy;
};
Video video(const Bytes& payload) {
  const VideoTag t = parse_video_tag(payload);
  return Video{t, span_bytes(t.body)};
}
Audio audio(const Bytes& payload) {
  const AudioTag t = parse_audio_tag(payload);
  return Audio{t, span_bytes(t.body)};
}

const Bytes kAvcC = {0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67,
                     0x64, 0x00, 0x1F, 0x01, 0x00, 0x02, 0x68, 0xEE};
const Bytes kNalus = {0x00, 0x00, 0x00, 0x02, 0x65, 0x88, 0x00, 0x00, 0x00, 0x01, 0x06};

}  // namespace

TEST_CASE("flv video: AVC sequence header") {
  const Bytes payload = tag({0x17, 0x00, 0x00, 0x00, 0x00}, kAvcC);
  const VideoTag t = parse_video_tag(payload);
  CHECK(t.kind == TagKind::sequence_header);
  CHECK(t.codec == FlvCodec::h264);
  CHECK(t.keyframe);
  CHECK_FALSE(t.enhanced);
  CHECK(t.composition_time_ms == 0);
  CHECK(span_bytes(t.body) == kAvcC);
  CHECK(t.body.data() == payload.data() + 5);  // points into the payload
  CHECK(video_codec_label(t) == "7 (AVC)");
}

TEST_CASE("flv video: AVC NALUs with composition times") {
  const Video key = video(tag({0x17, 0x01, 0x00, 0x00, 0x50}, kNalus));
  CHECK(key.kind == TagKind::frame);
  CHECK(key.keyframe);
  CHECK(key.composition_time_ms == 80);
  CHECK(key.body_copy == kNalus);

  const Video inter = video(tag({0x27, 0x01, 0xFF, 0xFF, 0xDF}, kNalus));
  CHECK(inter.kind == TagKind::frame);
  CHECK_FALSE(inter.keyframe);
  CHECK(inter.frame_type == 2);
  CHECK(inter.composition_time_ms == -33);

  CHECK(parse_video_tag(tag({0x27, 0x01, 0x80, 0x00, 0x00})).composition_time_ms == -8388608);
  CHECK(parse_video_tag(tag({0x27, 0x01, 0x7F, 0xFF, 0xFF})).composition_time_ms == 8388607);
}

TEST_CASE("flv video: AVC end of sequence, info frames, unknown packet types") {
  const Video eos = video(tag({0x17, 0x02, 0x00, 0x00, 0x00}));
  CHECK(eos.kind == TagKind::end_of_sequence);
  CHECK(eos.body.empty());
  CHECK(parse_video_tag(tag({0x17, 0x02})).kind == TagKind::end_of_sequence);
  CHECK(parse_video_tag(tag({0x57, 0x00})).kind == TagKind::ignored);  // start of client-side seeking
  CHECK(parse_video_tag(tag({0x17, 0x07, 0, 0, 0})).kind == TagKind::ignored);
  CHECK(parse_video_tag({}).kind == TagKind::ignored);
}

TEST_CASE("flv video: legacy HEVC (CodecID 12 extension)") {
  const Video t = video(tag({0x1C, 0x01, 0x00, 0x00, 0x28}, kNalus));
  CHECK(t.codec == FlvCodec::hevc);
  CHECK(t.kind == TagKind::frame);
  CHECK(t.composition_time_ms == 40);
}

TEST_CASE("flv video: enhanced hvc1") {
  const Bytes hvcc = {0x01, 0x01, 0x60, 0x00, 0x00, 0x00};
  SUBCASE("SequenceStart") {
    const Video t = video(tag({0x90, 'h', 'v', 'c', '1'}, hvcc));
    CHECK(t.enhanced);
    CHECK(t.kind == TagKind::sequence_header);
    CHECK(t.codec == FlvCodec::hevc);
    CHECK(t.keyframe);
    CHECK(t.body_copy == hvcc);
    CHECK(t.fourcc_or_codec_id == fourcc("hvc1"));
    CHECK(video_codec_label(t) == "'hvc1'");
  }
  SUBCASE("CodedFrames carries a composition time") {
    const Video t = video(tag({0x91, 'h', 'v', 'c', '1', 0xFF, 0xFF, 0xF6}, kNalus));
    CHECK(t.kind == TagKind::frame);
    CHECK(t.keyframe);
    CHECK(t.composition_time_ms == -10);
    CHECK(t.body_copy == kNalus);
  }
  SUBCASE("CodedFramesX has none") {
    const Video t = video(tag({0xA3, 'h', 'v', 'c', '1'}, kNalus));
    CHECK(t.kind == TagKind::frame);
    CHECK_FALSE(t.keyframe);
    CHECK(t.frame_type == 2);
    CHECK(t.composition_time_ms == 0);
    CHECK(t.body_copy == kNalus);
  }
  SUBCASE("SequenceEnd") {
    CHECK(parse_video_tag(tag({0x92, 'h', 'v', 'c', '1'})).kind == TagKind::end_of_sequence);
  }
  SUBCASE("Metadata is ignored") {
    const Video t = video(tag({0x94, 'h', 'v', 'c', '1', 0x02, 0x00, 0x09}, {}));
    CHECK(t.kind == TagKind::ignored);
    CHECK(t.codec == FlvCodec::hevc);
  }
  SUBCASE("truncated") {
    CHECK_THROWS_AS(parse_video_tag(tag({0x90, 'h', 'v'})), ProtocolError);
    CHECK_THROWS_WITH_AS(parse_video_tag(tag({0x91, 'h', 'v', 'c', '1', 0x00})),
                         "flv video: enhanced coded frames tag of 6 bytes (header needs 8)", ProtocolError);
  }
}

TEST_CASE("flv video: enhanced av01 and avc1") {
  const Bytes av1c = {0x81, 0x08, 0x0C, 0x00};
  const Bytes obus = {0x12, 0x00, 0x32, 0x05, 0x10, 0x00, 0x00, 0x00, 0x00};
  const Video seq = video(tag({0x90, 'a', 'v', '0', '1'}, av1c));
  CHECK(seq.kind == TagKind::sequence_header);
  CHECK(seq.codec == FlvCodec::av1);
  CHECK(seq.body_copy == av1c);
  // No composition time for AV1: the OBUs start right after the FourCC.
  const Video frame = video(tag({0x91, 'a', 'v', '0', '1'}, obus));
  CHECK(frame.kind == TagKind::frame);
  CHECK(frame.composition_time_ms == 0);
  CHECK(frame.body_copy == obus);
  CHECK(parse_video_tag(tag({0x91, 'a', 'v', '0', '1'})).body.empty());
  CHECK(parse_video_tag(tag({0x95, 'a', 'v', '0', '1', 0x80})).kind == TagKind::ignored);  // MPEG2TSSequenceStart

  const Video avc = video(tag({0x91, 'a', 'v', 'c', '1', 0x00, 0x00, 0x21}, kNalus));
  CHECK(avc.codec == FlvCodec::h264);
  CHECK(avc.composition_time_ms == 33);
  CHECK(avc.body_copy == kNalus);
}

TEST_CASE("flv video: unsupported codecs are reported, not thrown") {
  const Video vp9 = video(tag({0x91, 'v', 'p', '0', '9', 0x01}));
  CHECK(vp9.codec == FlvCodec::unsupported);
  CHECK(vp9.kind == TagKind::frame);
  CHECK(video_codec_label(vp9) == "'vp09'");
  const Video vp6 = video(tag({0x14, 0x00, 0x01}));
  CHECK(vp6.codec == FlvCodec::unsupported);
  CHECK(vp6.fourcc_or_codec_id == 4);
  CHECK(video_codec_label(vp6) == "4 (On2 VP6)");
  CHECK(video_codec_label(parse_video_tag(tag({0x12, 0x00}))) == "2 (Sorenson H.263)");
  const Video odd = video(tag({0x91, 0x01, 'x', 0x7F, ' '}));
  CHECK(video_codec_label(odd) == "'\\x01x\\x7f '");
  // Multitrack and ModEx headers are not parsed.
  CHECK(parse_video_tag(tag({0x96, 0x00})).kind == TagKind::ignored);
  CHECK(parse_video_tag(tag({0x97})).kind == TagKind::ignored);
  // Command frames in enhanced form.
  CHECK(parse_video_tag(tag({0xD0, 'h', 'v', 'c', '1', 0x00})).kind == TagKind::ignored);
}

TEST_CASE("flv video: truncated legacy AVC") {
  CHECK_THROWS_WITH_AS(parse_video_tag(tag({0x17})), "flv video: AVC/HEVC tag of 1 bytes (header needs 2)",
                       ProtocolError);
  CHECK_THROWS_AS(parse_video_tag(tag({0x17, 0x01, 0x00})), ProtocolError);
  CHECK_THROWS_AS(parse_video_tag(tag({0x17, 0x00, 0x00, 0x00})), ProtocolError);
}

TEST_CASE("flv audio: AAC") {
  const VideoTag none{};
  CHECK(none.kind == TagKind::ignored);
  const Audio asc = audio(tag({0xAF, 0x00, 0x12, 0x10}));
  CHECK(asc.kind == TagKind::sequence_header);
  CHECK(asc.codec == FlvCodec::aac);
  CHECK(asc.body_copy == Bytes{0x12, 0x10});
  const Audio raw = audio(tag({0xAF, 0x01, 0x21, 0x10, 0x04}));
  CHECK(raw.kind == TagKind::frame);
  CHECK(raw.body_copy == Bytes{0x21, 0x10, 0x04});
  CHECK(parse_audio_tag(tag({0xAE, 0x01})).body.empty());
  CHECK(parse_audio_tag(tag({0xAF, 0x05})).kind == TagKind::ignored);
  CHECK_THROWS_WITH_AS(parse_audio_tag(tag({0xAF})), "flv audio: AAC tag of 1 bytes (header needs 2)", ProtocolError);
  CHECK(audio_codec_label(asc) == "10 (AAC)");
}

TEST_CASE("flv audio: unsupported formats carry their number") {
  const Audio mp3 = audio(tag({0x2F, 0xFF, 0xFB}));
  CHECK(mp3.codec == FlvCodec::unsupported);
  CHECK(mp3.kind == TagKind::frame);
  CHECK(mp3.sound_format == 2);
  CHECK(mp3.fourcc_or_format == 2);
  CHECK(audio_codec_label(mp3) == "2 (MP3)");
  CHECK(audio_codec_label(parse_audio_tag(tag({0xB2, 0x00}))) == "11 (Speex)");
  CHECK(audio_codec_label(parse_audio_tag(tag({0x72}))) == "7 (G.711 A-law)");
  CHECK(parse_audio_tag({}).kind == TagKind::ignored);
}

TEST_CASE("flv audio: enhanced (ExHeader) FourCC audio") {
  const Audio seq = audio(tag({0x90, 'm', 'p', '4', 'a', 0x12, 0x10}));
  CHECK(seq.enhanced);
  CHECK(seq.codec == FlvCodec::aac);
  CHECK(seq.kind == TagKind::sequence_header);
  CHECK(seq.body_copy == Bytes{0x12, 0x10});
  const Audio frame = audio(tag({0x91, 'm', 'p', '4', 'a', 0x21}));
  CHECK(frame.kind == TagKind::frame);
  CHECK(frame.body_copy == Bytes{0x21});
  const Audio opus = audio(tag({0x91, 'O', 'p', 'u', 's', 0x01}));
  CHECK(opus.codec == FlvCodec::unsupported);
  CHECK(audio_codec_label(opus) == "'Opus'");
  CHECK(parse_audio_tag(tag({0x92, 'm', 'p', '4', 'a'})).kind == TagKind::end_of_sequence);
  CHECK(parse_audio_tag(tag({0x95, 0x00})).kind == TagKind::ignored);  // multitrack
  CHECK_THROWS_AS(parse_audio_tag(tag({0x90, 'm', 'p'})), ProtocolError);
}

TEST_CASE("flv: codec names and fourcc") {
  CHECK(fourcc("hvc1") == 0x68766331);
  CHECK(fourcc("av01") == 0x61763031);
  CHECK(std::string(codec_name(FlvCodec::h264)) == "h264");
  CHECK(std::string(codec_name(FlvCodec::unsupported)) == "unsupported");
}

}  // namespace tidecast::rtmp
