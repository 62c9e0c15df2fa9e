#pragma once
// What the live subsystem needs from the rest of Tidecast, as narrow
// interfaces the composition root implements over the catalog.
#include <cstdint>
#include <optional>
#include <string>

#include "transcode/ladder.hpp"

namespace tidecast::live {

struct ChannelRef {
  std::int64_t id = 0;
  std::string name;
  std::string title;
  // The channel's own ladder choice, read when a publish starts.
  transcode::LadderChoice ladder;
  std::string ladder_error;  // the stored choice was unreadable (the configured ladder is used)
  // The channel's latency mode, "normal" or "low", read when a publish
  // starts; nullopt: the server's live.latency_mode.
  std::optional<std::string> latency_mode = std::nullopt;
};

class ChannelDirectory {
 public:
  virtual ~ChannelDirectory() = default;
  virtual std::optional<ChannelRef> find_by_stream_key(const std::string& stream_key) = 0;
};

struct RecordingSummary {
  std::int64_t duration_ms = 0;
  int width = 0;
  int height = 0;
  // The optional files written beside the media, comma-separated
  // ("poster.jpg,storyboard.vtt"), for a catalog other nodes read.
  std::string extras;
};

// Finished live streams become on-demand videos.
class RecordingCatalog {
 public:
  virtual ~RecordingCatalog() = default;
  // Creates the catalog row (state processing) and returns the video id.
  virtual std::string begin_recording(const ChannelRef& channel) = 0;
  virtual void finish_recording(const std::string& video_id, const RecordingSummary& summary) = 0;
  virtual void fail_recording(const std::string& video_id, const std::string& reason) = 0;
};

}  // namespace tidecast::live
