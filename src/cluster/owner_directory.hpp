#pragma once
// Who owns a live channel right now: the node holding its lease. Lookups are
// cached briefly (every viewer request asks), so the catalog sees at most a
// couple of queries per channel per second from this node.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace tidecast::cluster {

struct Owner {
  std::string node;
  std::string url;  // its internal URL
  std::int64_t epoch = 0;
};

class OwnerDirectory {
 public:
  // Looks a channel's live lease up in the catalog (nullopt: nobody is live).
  using Lookup = std::function<std::optional<Owner>(const std::string& channel)>;

  explicit OwnerDirectory(Lookup lookup, std::chrono::milliseconds ttl = std::chrono::milliseconds(500))
      : lookup_(std::move(lookup)), ttl_(ttl) {}

  std::optional<Owner> owner_of(const std::string& channel);
  // Forgets a channel's cached owner (its fetch failed: ask the catalog again).
  void forget(const std::string& channel);

 private:
  struct Cached {
    std::optional<Owner> owner;
    std::chrono::steady_clock::time_point until;
  };
  Lookup lookup_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Cached, std::less<>> cache_;
};

}  // namespace tidecast::cluster
