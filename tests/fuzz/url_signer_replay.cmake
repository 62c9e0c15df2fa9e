# The signed-URL fuzz target replayed over its committed corpus (included by tests/CMakeLists.txt).
add_executable(fuzz_replay_url_signer fuzz/url_signer_fuzz.cpp fuzz/replay_main.cpp)
target_link_libraries(fuzz_replay_url_signer PRIVATE tidecast_core)
add_test(NAME fuzz_replay_url_signer
  COMMAND fuzz_replay_url_signer "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/url_signer")
