#pragma once
// GETs from another node of the cluster (its internal URL), signed with the
// cluster secret. One short connection per fetch: the pull cache in front of
// it makes fetches rare (one per object per node), so pooling buys little.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cluster/cluster_auth.hpp"

namespace tidecast::cluster {

struct PullResult {
  int status = 0;  // 0: no answer (connect failure, timeout, bad response)
  std::string body;
  std::string content_type;
  std::string cache_control;
  std::string etag;
  std::string error;  // for logs when status == 0
};

class PullClient {
 public:
  struct Options {
    std::chrono::milliseconds timeout{5000};
    std::size_t max_body_bytes = 64u << 20;
  };

  PullClient(boost::asio::io_context& ioc, const ClusterAuth& auth, Options options)
      : ioc_(ioc), auth_(auth), options_(options) {}

  // GET <base_url><target> ("http://host:port" + "/internal/v1/…"); `done`
  // runs once on an io thread. `timeout` (0: the client's) bounds the whole
  // fetch; a request the origin may hold (low latency) needs longer.
  void get(const std::string& base_url, const std::string& target, std::function<void(PullResult)> done,
           std::chrono::milliseconds timeout = {});

 private:
  boost::asio::io_context& ioc_;
  const ClusterAuth& auth_;
  Options options_;
};

}  // namespace tidecast::cluster
