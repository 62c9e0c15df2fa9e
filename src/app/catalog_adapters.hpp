#pragma once
// The live subsystem's ports (live/ports.hpp) implemented over the catalog.
#include "catalog/catalog.hpp"
#include "live/ports.hpp"
#include "tidecast/config.hpp"

namespace tidecast::app {

class CatalogChannelDirectory : public live::ChannelDirectory {
 public:
  explicit CatalogChannelDirectory(catalog::ChannelRepository& channels) : channels_(channels) {}
  std::optional<live::ChannelRef> find_by_stream_key(const std::string& stream_key) override;

 private:
  catalog::ChannelRepository& channels_;
};

class CatalogRecordings : public live::RecordingCatalog {
 public:
  CatalogRecordings(catalog::VideoRepository& videos, catalog::ChannelRepository& channels)
      : videos_(videos), channels_(channels) {}
  std::string begin_recording(const live::ChannelRef& channel) override;
  void finish_recording(const std::string& video_id, const live::RecordingSummary& summary) override;
  void fail_recording(const std::string& video_id, const std::string& reason) override;
  // Cluster: recordings are stored on this node (the ingest node recording
  // them); with `db` (the shared catalog), their optional files (poster,
  // storyboard) are listed, so other nodes link them without the files.
  void store_on(std::string node, catalog::Database* db = nullptr) {
    node_ = std::move(node);
    db_ = db;
  }

 private:
  catalog::VideoRepository& videos_;
  catalog::ChannelRepository& channels_;
  std::string node_;
  catalog::Database* db_ = nullptr;
};

// At start, before any publisher can connect: live recordings still
// "processing" belong to a previous process that died (kill -9, crash, power
// loss); no live session survives a restart, so nothing would ever finish
// them. They become failed with a reason (their segment files stay on disk).
// Returns how many.
std::size_t fail_interrupted_recordings(catalog::Database& db);

// Where this configuration keeps its catalog: the shared PostgreSQL database
// in cluster mode, else <data_dir>/tidecast.db.
std::string catalog_location(const Config& config);

}  // namespace tidecast::app
