#pragma once
// The process's open-file limit. Every connection, every open on-demand file
// and every live segment held in a memfd (core/sealed_bytes.hpp) takes a
// descriptor, and a shell's default soft limit is often 1,024. Like nginx's
// worker_rlimit_nofile, the server raises its soft limit to the hard limit at
// start (the packaged service sets LimitNOFILE=65536).
#include <cstdint>

namespace tidecast::core {

struct FileLimit {
  std::uint64_t before = 0;  // the soft limit found
  std::uint64_t now = 0;     // the soft limit after raising it (unchanged when it could not be raised)
};

FileLimit raise_open_file_limit();

}  // namespace tidecast::core
