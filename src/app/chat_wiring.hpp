#pragma once
// The live chat (src/chat/) wired to this server: messages, bans and settings
// in the catalog (over a connection of its own), stream times from the live
// service, accounts from the Authenticator, and where each room lives (this
// box, or in a cluster the channel's owner / the rendezvous node).
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "api/auth.hpp"
#include "catalog/catalog.hpp"
#include "chat/locator.hpp"
#include "chat/service.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "live/live_service.hpp"
#include "tidecast/config.hpp"

namespace tidecast::app {

class ChatWiring {
 public:
  // `cluster_node` is this node's name in a cluster, empty on a single box.
  ChatWiring(boost::asio::io_context& ioc, core::Logger& log, catalog::Catalog& catalog, live::LiveService& live,
             const api::Authenticator& auth, const std::string& cluster_node, const ChatConfig& config = {});
  ~ChatWiring();

  void add_routes(http::Router& router);
  // Cluster: how to sign an internal GET (the relay to a room on another node).
  void relay_with(std::function<std::map<std::string, std::string>(std::string_view target)> signer) {
    signer_ = std::move(signer);
  }
  void add_metrics(core::Metrics& metrics);
  void start();
  void stop();
  chat::ChatService& service() { return *service_; }

 private:
  class Store;
  class Clock;
  catalog::Catalog& catalog_;
  const api::Authenticator& auth_;
  catalog::Database db_;  // the chat's own connection (its writer thread writes here)
  std::unique_ptr<Store> store_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<chat::RoomLocator> locator_;
  std::unique_ptr<chat::ChatService> service_;
  std::function<std::map<std::string, std::string>(std::string_view target)> signer_;  // set before serving
};

}  // namespace tidecast::app
