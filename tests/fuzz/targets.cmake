# Every fuzz target, one line each. Included twice: by tests/fuzz/CMakeLists.txt
# (the libFuzzer build, `make fuzz`: SOURCES compiled with the fuzzer's
# instrumentation) and by tests/CMakeLists.txt (the regular build: the target
# linked against LIBS and replayed over its corpus as the ctest fuzz_replay_<name>).
#
#   tidecast_fuzz_target(<name> SOURCES <src/ files> LIBS <module libraries> [EXTRA <third-party targets>])
#
# The harness is tests/fuzz/<name>_fuzz.cpp, the corpus tests/fuzz/corpus/<name>/.
tidecast_fuzz_target(rtmp_chunk
  SOURCES rtmp/amf0.cpp rtmp/chunk_reader.cpp rtmp/chunk_writer.cpp rtmp/control.cpp rtmp/flv.cpp rtmp/handshake.cpp
          rtmp/handshake_digest.cpp
  LIBS tidecast_rtmp EXTRA OpenSSL::Crypto)
tidecast_fuzz_target(amf0 SOURCES rtmp/amf0.cpp LIBS tidecast_rtmp)
tidecast_fuzz_target(flv_avc SOURCES rtmp/flv.cpp media/avc.cpp media/bit_reader.cpp media/packet.cpp LIBS tidecast_rtmp EXTRA fmt::fmt)
tidecast_fuzz_target(hevc_config SOURCES media/hevc.cpp media/bit_reader.cpp media/packet.cpp LIBS tidecast_media EXTRA fmt::fmt)
tidecast_fuzz_target(aac_config SOURCES media/aac.cpp media/bit_reader.cpp media/packet.cpp LIBS tidecast_media EXTRA fmt::fmt)
tidecast_fuzz_target(av1_config SOURCES media/av1.cpp media/bit_reader.cpp media/packet.cpp LIBS tidecast_media EXTRA fmt::fmt)
tidecast_fuzz_target(http_range SOURCES http/range.cpp LIBS tidecast_http)
tidecast_fuzz_target(http_path SOURCES http/path.cpp LIBS tidecast_http)
tidecast_fuzz_target(http_query SOURCES http/path.cpp LIBS tidecast_http)
tidecast_fuzz_target(multipart SOURCES http/multipart.cpp LIBS tidecast_http)
tidecast_fuzz_target(tus SOURCES http/tus.cpp LIBS tidecast_http)
tidecast_fuzz_target(config
  SOURCES core/config.cpp core/json_reader.cpp core/address.cpp core/ip_network.cpp core/log.cpp core/clock.cpp
  LIBS tidecast_core EXTRA fmt::fmt nlohmann_json::nlohmann_json)
tidecast_fuzz_target(url_signer SOURCES core/url_signer.cpp core/crypto.cpp LIBS tidecast_core EXTRA OpenSSL::Crypto)
tidecast_fuzz_target(client_origin SOURCES http/client_origin.cpp core/ip_network.cpp LIBS tidecast_http EXTRA fmt::fmt)
tidecast_fuzz_target(proxy_protocol SOURCES core/proxy_protocol.cpp LIBS tidecast_core)
tidecast_fuzz_target(accept_encoding SOURCES http/content_coding.cpp LIBS tidecast_http)
tidecast_fuzz_target(chat_command SOURCES chat/protocol.cpp chat/text.cpp LIBS tidecast_chat EXTRA nlohmann_json::nlohmann_json)
tidecast_fuzz_target(fragment_sample SOURCES package/fragment_sample.cpp LIBS tidecast_package)
