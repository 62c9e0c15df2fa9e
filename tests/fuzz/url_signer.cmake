# libFuzzer target for the signed-URL verifier (included by tests/fuzz/CMakeLists.txt).
add_executable(fuzz_url_signer url_signer_fuzz.cpp ${CMAKE_SOURCE_DIR}/src/core/url_signer.cpp
  ${CMAKE_SOURCE_DIR}/src/core/crypto.cpp)
target_include_directories(fuzz_url_signer PRIVATE "${CMAKE_SOURCE_DIR}/src")
target_compile_options(fuzz_url_signer PRIVATE ${fuzz_flags})
target_link_options(fuzz_url_signer PRIVATE ${fuzz_flags})
target_link_libraries(fuzz_url_signer PRIVATE OpenSSL::Crypto)
set_target_properties(fuzz_url_signer PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
