#pragma once
// Blocking calls to another node's internal API, signed with the cluster
// secret, for threads that may block (a conversion runner's workers): each
// call runs its own small io_context on the calling thread, with one
// deadline for the whole exchange. Files go by streaming (PUT) or in ranged
// pieces (GET), so neither side holds a large file in memory.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "cluster/cluster_auth.hpp"

namespace tidecast::cluster {

struct BlockingResult {
  int status = 0;  // 0: no answer (see error)
  std::string body;
  std::string error;
};

class BlockingClient {
 public:
  struct Options {
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // per exchange (a PUT: plus 1 s per 10 MB)
    std::size_t max_body_bytes = 16u << 20;  // of an answer
    std::uint64_t piece_bytes = 8u << 20;    // ranged GET size
  };

  BlockingClient(const ClusterAuth& auth, Options options) : auth_(auth), options_(options) {}

  // A request with a (small) body held in memory.
  BlockingResult call(const std::string& method, const std::string& base_url, const std::string& target,
                      const std::string& body = {}, const std::string& content_type = {});
  // PUT of a file's contents.
  BlockingResult put_file(const std::string& base_url, const std::string& target, const std::filesystem::path& file);
  // GET into `file` (replaced), in ranged pieces; the last answer's status
  // (200/206 on success) and error.
  BlockingResult get_file(const std::string& base_url, const std::string& target, const std::filesystem::path& file);

 private:
  const ClusterAuth& auth_;
  Options options_;
};

}  // namespace tidecast::cluster
