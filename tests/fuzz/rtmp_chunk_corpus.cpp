// Writes the seed corpus of fuzz_rtmp_chunk (tests/fuzz/corpus/rtmp_chunk):
// valid sessions produced with ChunkWriter and the control/AMF0 builders, plus
// hand-made malformed streams. Deterministic, so regenerating only changes
// files when the generator changes:
//   build/fuzz_corpus_rtmp_chunk tests/fuzz/corpus/rtmp_chunk
// Each file starts with the two harness bytes (flags/seed), see rtmp_chunk_fuzz.cpp.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "rtmp/amf0.hpp"
#include "rtmp/chunk_writer.hpp"
#include "rtmp/control.hpp"
#include "rtmp/handshake_digest.hpp"
#include "rtmp/message.hpp"

namespace {

using namespace tidecast::rtmp;
using Bytes = std::vector<std::uint8_t>;

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 31 + (i >> 7));
  return out;
}

Message media(std::uint8_t type, std::uint32_t ts, Bytes header, std::size_t body_size, std::uint8_t seed = 1) {
  Message m;
  m.type_id = type;
  m.timestamp = ts;
  m.stream_id = 1;
  m.chunk_stream_id = type == message_type::video ? chunk_stream::video : chunk_stream::audio;
  const Bytes body = pattern(body_size, seed);
  header.insert(header.end(), body.begin(), body.end());
  m.payload = std::move(header);
  return m;
}

Message connect_command() {
  return command(0, {"connect", 1,
                     AmfValue::object({{"app", "live"},
                                       {"type", "nonprivate"},
                                       {"flashVer", "FMLE/3.0 (compatible; Lavf59.27.100)"},
                                       {"tcUrl", "rtmp://127.0.0.1:1935/live"},
                                       {"fourCcList", AmfValue::strict_array({"hvc1", "av01"})}})});
}

struct Session {
  ChunkWriter writer;
  Bytes bytes;
  void add(const Message& m) { writer.write(m, bytes); }
};

void publish_preamble(Session& s, std::uint32_t chunk_size) {
  s.add(set_chunk_size(chunk_size));
  s.add(connect_command());
  s.add(window_ack_size(2500000));
  s.add(command(0, {"releaseStream", 2, AmfValue::null(), "key"}));
  s.add(command(0, {"FCPublish", 3, AmfValue::null(), "key"}));
  s.add(command(0, {"createStream", 4, AmfValue::null()}));
  s.add(command(1, {"publish", 5, AmfValue::null(), "key", "live"}));
  s.add(data(1, {"@setDataFrame", "onMetaData",
                 AmfValue::ecma_array({{"duration", 0},
                                       {"width", 1280},
                                       {"height", 720},
                                       {"framerate", 30},
                                       {"videocodecid", 7},
                                       {"audiocodecid", 10},
                                       {"encoder", "Lavf59.27.100"},
                                       {"stereo", true},
                                       {"creationdate", AmfValue::date(1.7e12, 0)}})}));
}

const Bytes avc_config = {0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64,
                          0x00, 0x1F, 0x01, 0x00, 0x04, 0x68, 0xEE, 0x3C, 0x80};

class Corpus {
 public:
  explicit Corpus(std::filesystem::path dir) : dir_(std::move(dir)) { std::filesystem::create_directories(dir_); }

  void write(const std::string& name, std::uint8_t flags, std::uint8_t seed, const Bytes& stream) {
    Bytes out{flags, seed};
    out.insert(out.end(), stream.begin(), stream.end());
    std::ofstream file(dir_ / name, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    ++count_;
  }
  int count() const { return count_; }

 private:
  std::filesystem::path dir_;
  int count_ = 0;
};

Bytes simple_handshake_client() {
  Bytes out{3};
  const Bytes c1 = pattern(1536, 9);
  out.insert(out.end(), c1.begin(), c1.begin() + 4);
  out.insert(out.end(), 4, 0);
  out.insert(out.end(), c1.begin() + 8, c1.end());
  const Bytes c2 = pattern(1536, 10);
  out.insert(out.end(), c2.begin(), c2.end());
  return out;
}

Bytes digest_handshake_client() {
  namespace hd = handshake_digest;
  std::array<std::uint8_t, 1536> c1{};
  const Bytes random = pattern(1536, 11);
  std::copy(random.begin(), random.end(), c1.begin());
  c1[4] = 9;
  c1[5] = 0;
  c1[6] = 124;
  c1[7] = 2;
  const std::size_t offset = hd::digest_offset(c1, hd::Layout::digest_first);
  const auto digest = hd::packet_digest(c1, offset, hd::flash_player_key().first(hd::flash_player_key_public_size));
  std::copy(digest.begin(), digest.end(), c1.begin() + static_cast<std::ptrdiff_t>(offset));
  Bytes out{3};
  out.insert(out.end(), c1.begin(), c1.end());
  const Bytes c2 = pattern(1536, 12);
  out.insert(out.end(), c2.begin(), c2.end());
  return out;
}

// Raw chunk bytes for the malformed inputs.
Bytes fmt0_header(std::uint8_t csid, std::uint32_t ts, std::uint32_t length, std::uint8_t type, std::uint32_t sid) {
  return {csid,
          static_cast<std::uint8_t>(ts >> 16),
          static_cast<std::uint8_t>(ts >> 8),
          static_cast<std::uint8_t>(ts),
          static_cast<std::uint8_t>(length >> 16),
          static_cast<std::uint8_t>(length >> 8),
          static_cast<std::uint8_t>(length),
          type,
          static_cast<std::uint8_t>(sid),
          static_cast<std::uint8_t>(sid >> 8),
          static_cast<std::uint8_t>(sid >> 16),
          static_cast<std::uint8_t>(sid >> 24)};
}

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  Corpus corpus(argv[1]);

  {  // connect alone at the default chunk size (splits into a type-3 continuation)
    Session s;
    s.add(connect_command());
    corpus.write("valid_connect", 0x00, 0x01, s.bytes);
  }
  {  // a whole AVC/AAC publish session, 4096-byte chunks
    Session s;
    publish_preamble(s, 4096);
    s.add(media(message_type::video, 0, Bytes{0x17, 0x00, 0x00, 0x00, 0x00} + avc_config, 0));
    s.add(media(message_type::audio, 0, {0xAF, 0x00, 0x12, 0x10}, 0));
    for (std::uint32_t i = 0; i < 6; ++i) {
      const std::uint8_t frame = i == 0 ? 0x17 : 0x27;
      s.add(media(message_type::video, 33 * i, {frame, 0x01, 0x00, 0x00, 0x42}, i == 0 ? 5000 : 300,
                  static_cast<std::uint8_t>(i)));
      s.add(media(message_type::audio, 23 * i, {0xAF, 0x01}, 200, static_cast<std::uint8_t>(i)));
    }
    corpus.write("valid_publish_avc_aac", 0x00, 0x07, s.bytes);
  }
  {  // small chunks: many interleaved continuation chunks
    Session s;
    publish_preamble(s, 64);
    for (std::uint32_t i = 0; i < 4; ++i) {
      s.add(media(message_type::video, 40 * i, {0x27, 0x01, 0xFF, 0xFF, 0xEC}, 400, static_cast<std::uint8_t>(i)));
      s.add(media(message_type::audio, 40 * i, {0xAF, 0x01}, 90, static_cast<std::uint8_t>(i)));
    }
    corpus.write("valid_small_chunks", 0x00, 0x10, s.bytes);
  }
  {  // extended timestamps: absolute, across the boundary, and large deltas
    Session s;
    for (const std::uint32_t ts : {0xFFFFF0u, 0xFFFFFFu, 0x1000010u, 0x2000020u, 0xFFFFFFF0u}) {
      s.add(media(message_type::video, ts, {0x27, 0x01, 0x00, 0x00, 0x00}, 300, static_cast<std::uint8_t>(ts)));
    }
    corpus.write("valid_extended_timestamps", 0x00, 0x20, s.bytes);
  }
  {  // enhanced RTMP: hvc1 and av01
    Session s;
    publish_preamble(s, 4096);
    s.add(media(message_type::video, 0, {0x90, 'h', 'v', 'c', '1', 0x01, 0x01, 0x60}, 40));
    s.add(media(message_type::video, 0, {0x91, 'h', 'v', 'c', '1', 0x00, 0x00, 0x21}, 700));
    s.add(media(message_type::video, 33, {0xA3, 'h', 'v', 'c', '1'}, 300));
    s.add(media(message_type::video, 66, {0x94, 'h', 'v', 'c', '1', 0x02, 0x00, 0x09, 'c'}, 0));
    s.add(media(message_type::video, 66, {0x90, 'a', 'v', '0', '1', 0x81, 0x08, 0x0C, 0x00}, 0));
    s.add(media(message_type::video, 99, {0x91, 'a', 'v', '0', '1', 0x12, 0x00}, 200));
    s.add(media(message_type::video, 99, {0x91, 'v', 'p', '0', '9'}, 50));
    s.add(media(message_type::video, 132, {0x92, 'h', 'v', 'c', '1'}, 0));
    s.add(media(message_type::audio, 0, {0x90, 'm', 'p', '4', 'a', 0x12, 0x10}, 0));
    s.add(media(message_type::audio, 23, {0x91, 'O', 'p', 'u', 's'}, 60));
    corpus.write("valid_enhanced_video", 0x00, 0x30, s.bytes);
  }
  {  // control and user-control traffic
    Session s;
    s.add(window_ack_size(5000000));
    s.add(set_peer_bandwidth(5000000, peer_bandwidth_limit::dynamic));
    s.add(acknowledgement(123456));
    s.add(stream_begin(1));
    s.add(ping_request(1000));
    s.add(ping_response(1000));
    Message buffer = user_control(user_control_event::set_buffer_length, 1);
    buffer.payload.insert(buffer.payload.end(), {0x00, 0x00, 0x0B, 0xB8});
    s.add(buffer);
    s.add(abort_message(6));
    corpus.write("valid_control", 0x00, 0x40, s.bytes);
  }
  {  // 2- and 3-byte basic headers, zero-length messages, legacy codecs
    Session s;
    Message m = media(message_type::audio, 5, {0x2F}, 100);
    m.chunk_stream_id = 400;
    s.add(m);
    m.chunk_stream_id = 65599;
    s.add(m);
    m.chunk_stream_id = 100;
    m.payload.clear();
    s.add(m);
    s.add(media(message_type::video, 9, {0x14, 0x00}, 30));
    s.add(media(message_type::video, 9, {0x57, 0x01}, 0));
    corpus.write("valid_basic_headers", 0x00, 0x50, s.bytes);
  }
  {  // AMF0 variety: every type, nesting below the limit, long string, AMF3 command framing
    Session s;
    AmfValue nested = 1;
    for (int i = 0; i < 40; ++i) nested = AmfValue::object({{"n", nested}});
    s.add(set_chunk_size(65536));
    s.add(command(0, {"check", 7, nested, AmfValue::undefined(), AmfValue::date(0, 0), std::string(4000, 's'),
                      AmfValue::strict_array({true, false, AmfValue::null(), AmfValue::ecma_array({})})}));
    Message amf3 = command(0, {"call", 8, AmfValue::null()});
    amf3.type_id = message_type::command_amf3;
    amf3.payload.insert(amf3.payload.begin(), 0x00);
    s.add(amf3);
    corpus.write("valid_amf0_types", 0x00, 0x60, s.bytes);
  }
  {  // handshakes in front of the chunk stream
    Session s;
    s.add(connect_command());
    corpus.write("valid_handshake_simple", 0x80, 0x01, simple_handshake_client() + s.bytes);
    corpus.write("valid_handshake_digest", 0x80, 0x02, digest_handshake_client() + s.bytes);
  }

  {  // interleaved chunk streams and an abort, written by hand (the writer never interleaves)
    const Bytes video = Bytes{0x27, 0x01, 0x00, 0x00, 0x00} + pattern(295, 5);
    const Bytes stream = fmt0_header(6, 40, 300, message_type::video, 1) + Bytes(video.begin(), video.begin() + 128) +
                         fmt0_header(4, 40, 4, message_type::audio, 1) + Bytes{0xAF, 0x01, 0x21, 0x00} + Bytes{0xC6} +
                         Bytes(video.begin() + 128, video.begin() + 256) + Bytes{0x84, 0x00, 0x00, 0x17} +
                         Bytes{0xAF, 0x01, 0x21, 0x01} + Bytes{0xC6} + Bytes(video.begin() + 256, video.end()) +
                         fmt0_header(8, 0, 300, message_type::video, 1) + pattern(128, 6) +
                         fmt0_header(2, 0, 4, message_type::abort, 0) + Bytes{0, 0, 0, 8};
    corpus.write("valid_interleaved_abort", 0x00, 0x70, stream);
  }

  // Malformed input.
  corpus.write("bad_message_too_long", 0x00, 0x01,
               fmt0_header(4, 0, 0x100000, message_type::video, 1) + pattern(64, 1));
  corpus.write("bad_chunk_size_zero", 0x00, 0x02,
               fmt0_header(2, 0, 4, message_type::set_chunk_size, 0) + Bytes{0, 0, 0, 0});
  corpus.write("bad_type3_unknown_stream", 0x00, 0x03, Bytes{0xC5, 1, 2, 3});
  corpus.write("bad_header_inside_message", 0x00, 0x04,
               fmt0_header(4, 0, 200, message_type::video, 1) + pattern(128, 2) + Bytes{0x44, 0, 0, 0, 0, 0, 5, 9});
  {
    Bytes many;
    for (std::uint8_t csid = 3; csid < 63; ++csid)
      many = many + fmt0_header(csid, 0, 200, message_type::video, 1) + pattern(128, csid);
    for (std::uint32_t csid = 64; csid < 80; ++csid) {
      Bytes h = fmt0_header(0, 0, 200, message_type::video, 1);
      h.insert(h.begin() + 1, static_cast<std::uint8_t>(csid - 64));
      many = many + h + pattern(128, 3);
    }
    corpus.write("bad_too_many_streams", 0x00, 0x05, many);
  }
  {
    Session s;
    Bytes cut = connect_command().payload;
    cut.resize(cut.size() - 5);
    Message m = connect_command();
    m.payload = cut;
    s.add(m);
    corpus.write("bad_amf_truncated", 0x00, 0x06, s.bytes);
  }
  {
    Session s;
    Message m = command(0, {"connect", 1});
    m.payload.push_back(0x11);  // AMF3 switch
    m.payload.push_back(0x0A);
    s.add(m);
    Bytes bomb;
    for (int i = 0; i < 100; ++i) bomb = bomb + Bytes{0x0A, 0x00, 0x00, 0x00, 0x01};
    m.payload = Bytes{0x02, 0x00, 0x01, 'x'} + bomb;
    s.add(m);
    corpus.write("bad_amf_markers_and_depth", 0x00, 0x07, s.bytes);
  }
  {
    Session s;
    s.add(media(message_type::video, 0, {0x17}, 0));
    s.add(media(message_type::video, 0, {0x91, 'h', 'v', 'c', '1', 0x00}, 0));
    s.add(media(message_type::audio, 0, {0xAF}, 0));
    corpus.write("bad_flv_truncated", 0x00, 0x08, s.bytes);
  }
  {  // extended timestamp header cut short, then garbage
    corpus.write("bad_extended_cut", 0x00, 0x09,
                 fmt0_header(6, 0xFFFFFF, 300, message_type::video, 1) + Bytes{0x01, 0x00});
  }
  corpus.write("bad_handshake_version", 0x80, 0x0A, Bytes{6} + pattern(1600, 4));

  // The connect ffmpeg 5.1 really sends (tests/rtmp/data/capture_ffmpeg_hello.py).
  std::ifstream capture(std::filesystem::path(TIDECAST_SOURCE_DIR) / "tests/rtmp/data/ffmpeg_connect.bin",
                        std::ios::binary);
  if (capture) {
    corpus.write("real_ffmpeg_connect", 0x00, 0x0B,
                 Bytes(std::istreambuf_iterator<char>(capture), std::istreambuf_iterator<char>()));
  }

  std::printf("wrote %d corpus files\n", corpus.count());
  return 0;
}
