#pragma once
// One chat connection's frames waiting to be written, bounded by count and
// bytes. Frames are shared immutable buffers: the room serializes a message
// once and every member's queue holds the same bytes. A member whose queue is
// full is not reading fast enough (or at all) and is dropped by its owner.
#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace tidecast::chat {

using Frame = std::shared_ptr<const std::string>;

class OutboundQueue {
 public:
  OutboundQueue(std::size_t max_frames, std::size_t max_bytes) : max_frames_(max_frames), max_bytes_(max_bytes) {}

  // False when the frame does not fit (nothing is queued then).
  bool push(Frame frame) {
    if (frames_.size() >= max_frames_ || bytes_ + frame->size() > max_bytes_) return false;
    bytes_ += frame->size();
    frames_.push_back(std::move(frame));
    return true;
  }
  const Frame& front() const { return frames_.front(); }
  void pop() {
    bytes_ -= frames_.front()->size();
    frames_.pop_front();
  }
  bool empty() const { return frames_.empty(); }
  std::size_t size() const { return frames_.size(); }
  std::size_t bytes() const { return bytes_; }
  void clear() {
    frames_.clear();
    bytes_ = 0;
  }

 private:
  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<Frame> frames_;
};

}  // namespace tidecast::chat
