#include "cluster/pull_cache.hpp"

#include <boost/beast/http/field.hpp>

#include "http/serve_bytes.hpp"
#include "http/unavailable.hpp"

namespace tidecast::cluster {

namespace {
using field = boost::beast::http::field;

void count(core::Counter* counter) {
  if (counter) counter->inc();
}
}  // namespace

http::Response PullCache::serve(const http::Request& request, const std::string& base_url,
                                const std::string& upstream_target, const std::string& key,
                                std::chrono::milliseconds timeout) {
  std::shared_ptr<http::DeferredResponse> deferred;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.object) {
      Entry& entry = it->second;
      if (entry.object->immutable || std::chrono::steady_clock::now() < entry.expires) {
        lru_.splice(lru_.begin(), lru_, entry.lru);
        count(counters_.hits);
        return answer(request, entry.object);
      }
      // A stale playlist: fetched again below; kept meanwhile in case the origin does not answer.
    }
    deferred = std::make_shared<http::DeferredResponse>();
    if (it != entries_.end() && it->second.fetching) {
      it->second.waiters.push_back({request, deferred});
      count(counters_.coalesced);
      return http::make_deferred_response(std::move(deferred));
    }
    if (it == entries_.end()) {
      it = entries_.emplace(key, Entry{}).first;
      it->second.lru = lru_.end();
    }
    it->second.fetching = true;
    it->second.waiters.push_back({request, deferred});
  }
  count(counters_.fetches);
  client_.get(
      base_url, upstream_target, [this, key](PullResult result) { on_fetched(key, std::move(result)); }, timeout);
  return http::make_deferred_response(std::move(deferred));
}

void PullCache::on_fetched(const std::string& key, PullResult result) {
  if (result.status == 0) {
    count(counters_.failures);
    log_.warn("cluster", "pull failed key={} error=\"{}\"", key, result.error);
  }
  std::vector<Waiter> waiters;
  std::shared_ptr<const Object> object;
  std::shared_ptr<const Object> fetched = result.status == 200 ? make_object(result) : nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    Entry& entry = it->second;
    waiters = std::move(entry.waiters);
    entry.waiters.clear();
    entry.fetching = false;
    if (result.status == 200) {
      object = keep_locked(entry, key, std::move(fetched));
    } else if (result.status == 0 && entry.object && !is_live_key(key)) {
      // The origin did not answer: the stale copy serves (like nginx's
      // proxy_cache_use_stale error) and is asked for again after a while.
      // Never for live playlists: an old copy's numbers can be far behind
      // what a viewer already had (its owner just died), so that is a 503.
      object = entry.object;
      entry.expires = std::chrono::steady_clock::now() + mutable_ttl_of(key);
      count(counters_.stale);
    } else {
      forget_locked(it);
    }
  }
  for (Waiter& waiter : waiters) {
    waiter.deferred->complete(object ? answer(waiter.request, object) : failure(result));
  }
}

std::shared_ptr<const PullCache::Object> PullCache::make_object(PullResult& result) {
  auto made = std::make_shared<Object>();
  made->status = 200;
  made->size = result.body.size();
  made->content_type = std::move(result.content_type);
  made->cache_control = std::move(result.cache_control);
  made->etag = std::move(result.etag);
  made->immutable = made->cache_control.find("immutable") != std::string::npos;
  if (made->immutable && made->size >= core::SealedBytes::kWorthSealing) {
    const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(result.body.data()), result.body.size());
    if (auto sealed = core::SealedBytes::make("tidecast-pulled", bytes)) {
      made->sealed = http::OpenFile::of_sealed(std::move(sealed), made->etag);
    }
  }
  made->body = std::make_shared<const std::string>(made->sealed ? std::string() : std::move(result.body));
  return made;
}

std::shared_ptr<const PullCache::Object> PullCache::keep_locked(Entry& entry, const std::string& key,
                                                                std::shared_ptr<const Object> object) {
  if (entry.object) {  // replaces a stale copy
    bytes_ -= entry.object->size;
    lru_.erase(entry.lru);
  }
  entry.object = object;
  // Playlists count against the budget too, so no request pattern can grow the cache past it.
  if (!object->immutable) entry.expires = std::chrono::steady_clock::now() + mutable_ttl_of(key);
  lru_.push_front(key);
  entry.lru = lru_.begin();
  bytes_ += object->size;
  evict_locked();
  return object;
}

std::optional<http::Response> PullCache::cached(const http::Request& request, const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.object) return std::nullopt;
  Entry& entry = it->second;
  if (!entry.object->immutable && std::chrono::steady_clock::now() >= entry.expires) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, entry.lru);
  count(counters_.hits);
  return answer(request, entry.object);
}

std::function<http::Response(const http::Request&)> PullCache::adopt(const std::string& key, PullResult result) {
  std::shared_ptr<const Object> object;
  if (result.status == 200) {
    auto fetched = make_object(result);
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      it = entries_.emplace(key, Entry{}).first;
      it->second.lru = lru_.end();
    }
    object = keep_locked(it->second, key, std::move(fetched));
  }
  return [this, object, result = std::move(result)](const http::Request& request) {
    return object ? answer(request, object) : failure(result);
  };
}

void PullCache::evict_locked() {
  while (bytes_ > options_.max_bytes && !lru_.empty()) {
    const auto it = entries_.find(lru_.back());
    if (it == entries_.end()) {
      lru_.pop_back();
    } else if (it->second.fetching) {
      // Its refetch has waiters: drop the stale copy, keep the entry.
      bytes_ -= it->second.object->size;
      lru_.erase(it->second.lru);
      it->second.lru = lru_.end();
      it->second.object.reset();
    } else {
      forget_locked(it);
    }
  }
}

void PullCache::forget_locked(std::map<std::string, Entry, std::less<>>::iterator it) {
  if (it->second.object) {
    bytes_ -= it->second.object->size;
    lru_.erase(it->second.lru);
  }
  entries_.erase(it);
}

std::size_t PullCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

http::Response PullCache::answer(const http::Request& request, const std::shared_ptr<const Object>& object) const {
  http::Response res =
      object->sealed ? http::serve_file(request, {object->sealed, object->content_type, object->cache_control})
                     : http::serve_bytes(request, {http::BytesBody::value_type{object, std::string_view(*object->body)},
                                                   object->content_type, object->etag, object->cache_control});
  res.set(field::access_control_allow_origin, "*");
  res.set("X-Served-By", served_by_);
  return res;
}

http::Response PullCache::failure(const PullResult& result) const {
  if (result.status == 0) {
    // 503 + Retry-After: the node that has it is down or cut off; clients and edges try again.
    http::Response res =
        http::make_unavailable("origin_unreachable", "the node that has this media did not answer", "2");
    res.set("X-Served-By", served_by_);
    res.set(field::access_control_allow_origin, "*");
    return res;
  }
  // The owner's own answer (404 for a segment not there yet, 403, …), passed on uncached.
  http::Response res = http::make_response(static_cast<http::Status>(result.status), http::bytes_of(result.body),
                                           result.content_type.empty() ? "text/plain" : result.content_type);
  res.set(field::cache_control, "no-store");
  res.set(field::access_control_allow_origin, "*");
  res.set("X-Served-By", served_by_);
  return res;
}

}  // namespace tidecast::cluster
