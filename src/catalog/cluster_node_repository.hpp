#pragma once
// Where things are in a cluster: the registry of nodes (each one upserts its
// row every few seconds: internal URL, roles, last seen) and the node that
// holds each video's files (videos.stored_on; NULL on a single box, where
// every file is local).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct StoredOn {
  std::string node;
  std::string internal_url;  // "" when the node never registered
};

class ClusterNodeRepository {
 public:
  explicit ClusterNodeRepository(Database& db) : db_(db) {}

  void upsert(std::string_view node, std::string_view internal_url, std::string_view roles, std::int64_t now_ms);
  std::optional<std::string> internal_url(std::string_view node);
  // Nodes seen at or after `since_ms` whose roles include `role`: (name, internal URL), by name.
  std::vector<std::pair<std::string, std::string>> seen_since(std::int64_t since_ms, std::string_view role);
  void set_stored_on(std::string_view video_id, std::string_view node);
  // Which optional files (poster, storyboard, download) a published video
  // has, so nodes without its files can link them.
  void set_extras(std::string_view video_id, std::string_view extras);
  // nullopt: no such video, or its files are not on a named node.
  std::optional<StoredOn> stored_on(std::string_view video_id);

 private:
  Database& db_;
};

}  // namespace tidecast::catalog
