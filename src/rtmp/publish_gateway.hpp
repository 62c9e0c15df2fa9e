#pragma once
// What the RTMP server asks of the rest of Tidecast, and nothing more: "may
// this key publish?" and "here is the media". The live subsystem implements
// it; the RTMP code never sees the catalog or the segmenter.
#include <memory>
#include <span>
#include <string>

#include "media/packet.hpp"

namespace tidecast::rtmp {

struct PublishRequest {
  std::string app;         // "live"
  std::string stream_key;  // the publish name, query string removed
  std::string remote;      // peer address, for logs
};

// One accepted publish. Destroying it without finish() means the connection
// dropped: the live session waits for a reconnect before it ends.
class Publisher {
 public:
  virtual ~Publisher() = default;
  // The publisher unpublished on purpose (FCUnpublish/deleteStream): end now.
  virtual void finish() = 0;
  virtual const std::string& channel() const = 0;  // public name, safe to log
  virtual void on_stream_info(const media::StreamInfo& info) = 0;
  virtual void on_packet(media::PacketPtr packet) = 0;
  // The packets parsed from one socket read, in order: one hand-off to the
  // media side per read instead of one per packet.
  virtual void on_packets(std::span<media::PacketPtr> packets) {
    for (auto& packet : packets) on_packet(std::move(packet));
  }
};

struct PublishDecision {
  std::unique_ptr<Publisher> publisher;  // null when refused
  std::string status_code;               // e.g. "NetStream.Publish.BadName" when refused
  std::string reason;                    // human-readable, sent to the client and logged
};

class PublishGateway {
 public:
  virtual ~PublishGateway() = default;
  virtual PublishDecision begin_publish(const PublishRequest& request) = 0;
};

}  // namespace tidecast::rtmp
