#pragma once
// One rung of an upload conversion (vod_transcode.cpp): a thread of its own
// that takes decoded frames from a bounded queue, scales and encodes them
// (RungEncoder) and cuts the result into CMAF segments of one track.
// Internal to the transcode module.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "package/segmenter.hpp"
#include "transcode/av_util.hpp"
#include "transcode/file_output.hpp"
#include "transcode/ladder.hpp"
#include "transcode/video_codec.hpp"

namespace tidecast::transcode {

// Decoded frames waiting per rung: enough that a rung's bursts (x264 frame
// threads, segment writes) do not stall the others, bounded in bytes (frames
// are shared by the rungs, so this bounds the decoded frames held in all).
constexpr std::size_t kRungQueueBytes = 96u << 20;
constexpr std::size_t kMinRungQueueFrames = 8;
constexpr std::size_t kMaxRungQueueFrames = 32;

// Queue length for decoded frames of `frame_bytes` bytes each (<= 0: unknown).
std::size_t rung_queue_frames(int frame_bytes);

class RungWorker {
 public:
  struct Item {
    SharedFrame frame;
    std::int64_t pts = 0;
    bool idr = false;
  };

  // Starts the thread. The encoder and the track's init segment are made on
  // the first frame; `cts` is the composition offset given to every packet
  // (pts - dts), `writer` must outlive the worker.
  RungWorker(RungPlan plan, std::string id, const TrackWriter& writer, std::uint32_t timescale, double frame_rate,
             std::int64_t cts, double segment_seconds, std::size_t queue_frames);
  // Stops without flushing (frames still queued are dropped).
  ~RungWorker();
  RungWorker(const RungWorker&) = delete;
  RungWorker& operator=(const RungWorker&) = delete;

  // Blocks while the queue is full.
  void push(Item item);
  // No more frames: flush and wait. Returns the error, if any.
  std::string finish();
  const TrackOutput& track() const { return track_; }
  const RungPlan& plan() const { return plan_; }

 private:
  void run();
  void encode(const Item& item);
  void emit();

  const std::size_t queue_frames_;
  RungPlan plan_;
  const TrackWriter& writer_;
  const std::uint32_t timescale_;
  const double frame_rate_;
  const std::int64_t cts_;
  const double segment_seconds_;
  TrackOutput track_;
  std::unique_ptr<RungEncoder> encoder_;
  std::optional<package::Segmenter> segmenter_;
  std::vector<EncodedPacket> out_;
  std::string error_;  // worker thread; read after join

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool finish_ = false;
  bool abort_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace tidecast::transcode
