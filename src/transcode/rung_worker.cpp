#include "transcode/rung_worker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "core/thread_name.hpp"
#include "media/avc.hpp"
#include "media/packet.hpp"

namespace tidecast::transcode {

std::size_t rung_queue_frames(int frame_bytes) {
  if (frame_bytes <= 0) return kMinRungQueueFrames;
  return std::clamp(kRungQueueBytes / static_cast<std::size_t>(frame_bytes), kMinRungQueueFrames, kMaxRungQueueFrames);
}

RungWorker::RungWorker(RungPlan plan, std::string id, const TrackWriter& writer, std::uint32_t timescale,
                       double frame_rate, std::int64_t cts, double segment_seconds, std::size_t queue_frames)
    : queue_frames_(queue_frames),
      plan_(std::move(plan)),
      writer_(writer),
      timescale_(timescale),
      frame_rate_(frame_rate),
      cts_(cts),
      segment_seconds_(segment_seconds) {
  track_.description.id = std::move(id);
  track_.name = plan_.rung.name;
  thread_ = std::thread([this] {
    core::name_this_thread("tc-enc-" + plan_.rung.name);
    run();
  });
}

RungWorker::~RungWorker() {
  {
    std::lock_guard lock(mutex_);
    abort_ = true;
    finish_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RungWorker::push(Item item) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return queue_.size() < queue_frames_; });
  queue_.push_back(std::move(item));
  lock.unlock();
  cv_.notify_all();
}

std::string RungWorker::finish() {
  {
    std::lock_guard lock(mutex_);
    finish_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  return error_;
}

void RungWorker::run() {
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return !queue_.empty() || finish_; });
      if (abort_) return;
      if (queue_.empty()) break;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();
    // After an error the queue is still drained, so push() never blocks for good.
    if (!error_.empty()) continue;
    try {
      encode(item);
    } catch (const std::exception& e) {
      error_ = fmt::format("rung {}: {}", plan_.rung.name, e.what());
    }
  }
  if (!error_.empty()) return;
  try {
    if (encoder_) {
      out_.clear();
      encoder_->flush(out_);
      emit();
    }
    if (segmenter_) {
      for (auto& segment : segmenter_->flush()) writer_.add(track_, segment);
    }
  } catch (const std::exception& e) {
    error_ = fmt::format("rung {}: {}", plan_.rung.name, e.what());
  }
}

void RungWorker::encode(const Item& item) {
  if (!encoder_) {
    encoder_ = std::make_unique<RungEncoder>(plan_, timescale_, frame_rate_);
    media::StreamInfo info;
    info.video = media::avc_video_config(encoder_->avcc());
    info.video->frame_rate = frame_rate_;
    segmenter_.emplace(info, package::SegmenterOptions{segment_seconds_, 0, 1});
    writer_.init(track_, *segmenter_, media::TrackKind::video);
  }
  out_.clear();
  encoder_->encode(item.frame.get(), item.pts, item.idr, out_);
  emit();
}

void RungWorker::emit() {
  for (auto& encoded : out_) {
    media::Packet packet;
    packet.kind = media::TrackKind::video;
    packet.timescale = timescale_;
    packet.pts = encoded.pts;
    packet.dts = encoded.pts - cts_;  // no B-frames: decode order is presentation order
    packet.keyframe = encoded.keyframe;
    packet.data = std::move(encoded.data);
    // Shared, not copied: the segmenter holds it until its segment is written.
    for (auto& segment : segmenter_->push(std::make_shared<const media::Packet>(std::move(packet)))) {
      writer_.add(track_, segment);
    }
  }
  out_.clear();
}

}  // namespace tidecast::transcode
