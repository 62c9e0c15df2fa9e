#pragma once
// Authentication of calls between the nodes of a cluster (pure: no sockets).
// Every internal request carries
//   X-Tidecast-Cluster: <node> <unix seconds> <hex HMAC-SHA-256>
// over "<node> <seconds> <METHOD> <target>" under the cluster secret, so the
// secret itself never crosses the network and a captured header is good for
// that one request target for a minute only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tidecast::cluster {

inline constexpr std::string_view kClusterHeader = "X-Tidecast-Cluster";

class ClusterAuth {
 public:
  static constexpr std::int64_t kMaxSkewSeconds = 60;

  ClusterAuth(std::string node, std::string secret) : node_(std::move(node)), secret_(std::move(secret)) {}

  const std::string& node() const { return node_; }
  std::string sign(std::string_view method, std::string_view target, std::int64_t now_seconds) const;

  struct Verified {
    std::string node;   // the calling node, when accepted
    std::string error;  // why not, for the log line ("" when accepted)
    bool ok() const { return error.empty(); }
  };
  Verified verify(std::string_view header, std::string_view method, std::string_view target,
                  std::int64_t now_seconds) const;

 private:
  std::string mac(std::string_view node, std::string_view seconds, std::string_view method,
                  std::string_view target) const;
  std::string node_;
  std::string secret_;
};

// Reads a secret file (surrounding white space trimmed); throws naming the
// file when it is missing, unreadable or shorter than 16 bytes.
std::string load_secret_file(const std::string& path, std::string_view what);

}  // namespace tidecast::cluster
