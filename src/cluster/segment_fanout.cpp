#include "cluster/segment_fanout.hpp"

#include <algorithm>

#include "http/media_stream.hpp"

namespace tidecast::cluster {

std::shared_ptr<http::ResponseStream> SegmentFanout::join() {
  if (state_ == State::failed || viewers_.size() >= options_.max_viewers) return nullptr;
  // Room for the whole segment: a late joiner gets all of it queued at once.
  auto stream = std::make_shared<http::ResponseStream>(http::media_stream_options(options_.max_bytes));
  for (const auto& chunk : chunks_) stream->push(chunk);
  if (state_ == State::complete) {
    stream->end();
  } else {
    viewers_.push_back(stream);
  }
  return stream;
}

bool SegmentFanout::add(std::string chunk) {
  if (state_ != State::streaming) return false;
  if (chunk.empty()) return true;
  if (bytes_ + chunk.size() > options_.max_bytes) {
    fail();
    return false;
  }
  bytes_ += chunk.size();
  // A viewer whose push fails went away (or fell behind): forgotten.
  std::erase_if(viewers_, [&chunk](const auto& viewer) { return !viewer->push(chunk); });
  chunks_.push_back(std::move(chunk));
  return true;
}

std::string SegmentFanout::complete() {
  std::string whole;
  if (state_ != State::streaming) return whole;
  state_ = State::complete;
  for (const auto& viewer : viewers_) viewer->end();
  viewers_.clear();
  whole.reserve(bytes_);
  for (const auto& chunk : chunks_) whole += chunk;
  return whole;
}

void SegmentFanout::fail() {
  if (state_ == State::failed) return;
  state_ = State::failed;
  for (const auto& viewer : viewers_) viewer->abort();
  viewers_.clear();
  chunks_.clear();
  bytes_ = 0;
}

}  // namespace tidecast::cluster
