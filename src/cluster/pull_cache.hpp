#pragma once
// Media this node pulls from the node that has it (a live channel's owner),
// kept in memory and shared by every viewer here. Concurrent misses for one
// object are coalesced: the first request fetches, the others wait on it, so
// a node makes one internal fetch per object however many viewers ask.
// Immutable objects (segments, init segments) stay until the byte budget
// evicts them (least recently used first); on-demand playlists are kept for
// a fraction of a second, live ones only while their fetch is in flight
// (both count against the same budget). When the origin does not answer, an
// expired on-demand copy is served (the video keeps playing while its storage
// node is down), never an old live playlist; without one the answer is 503.
// Nothing but a 200 is kept: a segment that is about to exist must not be
// remembered as missing.
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cluster/pull_client.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/deferred_response.hpp"
#include "http/open_file.hpp"

namespace tidecast::cluster {

struct PullCacheOptions {
  std::size_t max_bytes = 256u << 20;
  std::chrono::milliseconds mutable_ttl{500};
  // Live playlists and manifests are not kept at all, only coalesced while a
  // fetch is in flight: a viewer moved from the owner to this node (a node
  // died or came back) must never get a playlist older than the one it just
  // had, or its MEDIA-SEQUENCE would go back.
  std::chrono::milliseconds live_ttl{0};
};

struct PullCounters {
  core::Counter* fetches = nullptr;    // internal fetches sent
  core::Counter* hits = nullptr;       // answered from memory
  core::Counter* coalesced = nullptr;  // waited on a fetch another request started
  core::Counter* failures = nullptr;   // fetches without an answer
  core::Counter* stale = nullptr;      // answered from an expired copy: the origin did not answer
};

class PullCache {
 public:
  // `served_by` names this node on every answer (X-Served-By).
  PullCache(PullClient& client, core::Logger& log, PullCacheOptions options, PullCounters counters,
            std::string served_by)
      : client_(client), log_(log), options_(options), counters_(counters), served_by_(std::move(served_by)) {}

  // Answers `request` (GET or HEAD, with Range and If-None-Match honoured) with
  // the object at <base_url><upstream_target>, cached under `key`. Returns at
  // once: from memory, or a deferred response completed when the fetch ends.
  // `timeout` (0: the client's) is passed to the fetch.
  http::Response serve(const http::Request& request, const std::string& base_url, const std::string& upstream_target,
                       const std::string& key, std::chrono::milliseconds timeout = {});

  std::size_t bytes() const;

  // For a fetch made elsewhere (cluster/segment_relay.hpp streams a segment
  // still being made): the answer from memory when `key` is held and fresh
  // (counted as a hit), else nullopt, with no fetch.
  std::optional<http::Response> cached(const http::Request& request, const std::string& key);
  // That fetch's result, kept like one of this cache's own (a 200 only);
  // returns how to answer each of its requests (the object, or the failure).
  std::function<http::Response(const http::Request&)> adopt(const std::string& key, PullResult result);

 private:
  struct Object {
    int status = 0;
    std::shared_ptr<const std::string> body;  // empty when `sealed` holds the bytes
    // A large immutable body (a segment) in a sealed memory file: sent with sendfile, like the owner's.
    std::shared_ptr<const http::OpenFile> sealed;
    std::size_t size = 0;
    std::string content_type;
    std::string cache_control;
    std::string etag;
    bool immutable = false;
  };
  static bool is_live_key(const std::string& key) { return key.starts_with("/live/"); }
  std::chrono::milliseconds mutable_ttl_of(const std::string& key) const {
    return is_live_key(key) ? options_.live_ttl : options_.mutable_ttl;
  }
  struct Waiter {
    http::Request request;
    std::shared_ptr<http::DeferredResponse> deferred;
  };
  struct Entry {
    std::shared_ptr<const Object> object;  // null until the first fetch succeeded
    bool fetching = false;
    std::chrono::steady_clock::time_point expires{};
    std::vector<Waiter> waiters;
    std::list<std::string>::iterator lru;  // valid once `object` is set
  };

  void on_fetched(const std::string& key, PullResult result);
  // The object a fetched body becomes (sealed when it is a large immutable one); no lock needed.
  static std::shared_ptr<const Object> make_object(PullResult& result);
  std::shared_ptr<const Object> keep_locked(Entry& entry, const std::string& key, std::shared_ptr<const Object> object);
  void evict_locked();
  void forget_locked(std::map<std::string, Entry, std::less<>>::iterator it);
  http::Response answer(const http::Request& request, const std::shared_ptr<const Object>& object) const;
  http::Response failure(const PullResult& result) const;

  PullClient& client_;
  core::Logger& log_;
  PullCacheOptions options_;
  PullCounters counters_;
  std::string served_by_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::list<std::string> lru_;  // cached objects, most recent first
  std::size_t bytes_ = 0;
};

}  // namespace tidecast::cluster
