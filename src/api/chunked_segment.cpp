#include "api/chunked_segment.hpp"

#include <fmt/format.h>

#include <charconv>
#include <mutex>

#include "http/media_stream.hpp"
#include "http/mime.hpp"
#include "http/response_stream.hpp"

namespace tidecast::api {

namespace {

// Enough for a segment at any bitrate we take; a client that falls further
// behind loses the response (aborted, never cut short silently).
constexpr std::size_t kMaxQueuedBytes = 32 * 1024 * 1024;

std::optional<std::uint32_t> number_of(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

class SegmentFeed : public std::enable_shared_from_this<SegmentFeed> {
 public:
  SegmentFeed(std::shared_ptr<http::ResponseStream> stream, std::weak_ptr<live::HeldRequests> held, std::string address,
              std::string track, std::string segment, std::string part_prefix)
      : stream_(std::move(stream)),
        held_(std::move(held)),
        address_(std::move(address)),
        track_(std::move(track)),
        segment_(std::move(segment)),
        part_prefix_(std::move(part_prefix)) {}

  // Sends the parts `snapshot` has from the next one on; then ends the
  // response (the segment is complete) or waits for the next part.
  void advance(std::shared_ptr<const live::LiveSnapshot> snapshot) {
    std::lock_guard lock(mutex_);
    while (snapshot) {
      if (const auto done = snapshot->pieced_files.find(segment_); done != snapshot->pieced_files.end()) {
        const auto& pieces = *done->second;
        for (std::size_t i = next_; i < pieces.size(); ++i) {
          if (!push(*pieces[i])) return;
        }
        stream_->end();
        return;
      }
      std::string part = fmt::format("{}{}.m4s", part_prefix_, next_);
      for (auto it = snapshot->files.find(part); it != snapshot->files.end(); it = snapshot->files.find(part)) {
        if (!push(*it->second)) return;  // the client went away
        ++next_;
        part = fmt::format("{}{}.m4s", part_prefix_, next_);
      }
      snapshot = wait_for(std::move(part));
    }
  }

 private:
  bool push(const std::vector<std::uint8_t>& bytes) {
    return stream_->push(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }

  // Holds until `part` exists or the segment completes; returns a snapshot
  // to go on with at once, or null (held, or over).
  std::shared_ptr<const live::LiveSnapshot> wait_for(std::string part) {
    const auto held = held_.lock();
    if (!held) {
      stream_->abort();
      return nullptr;
    }
    live::HoldTarget target;
    target.track = track_;
    target.file = std::move(part);
    target.segment = segment_;
    auto answer = [self = shared_from_this()](live::HoldOutcome outcome,
                                              const std::shared_ptr<const live::LiveSnapshot>& snapshot) {
      if (outcome == live::HoldOutcome::ready && snapshot) return self->advance(snapshot);
      self->stream_->abort();  // timeout, gone, shutdown: the segment cannot be completed
    };
    const auto admitted = held->hold(std::move(target), address_, std::move(answer));
    switch (admitted.admission) {
      case live::HeldRequests::Admission::held:
        return nullptr;
      case live::HeldRequests::Admission::ready:
        if (admitted.snapshot) return admitted.snapshot;
        [[fallthrough]];
      default:  // gone, or too many held requests
        stream_->abort();
        return nullptr;
    }
  }

  std::mutex mutex_;
  const std::shared_ptr<http::ResponseStream> stream_;
  const std::weak_ptr<live::HeldRequests> held_;
  const std::string address_;
  const std::string track_;
  const std::string segment_;
  const std::string part_prefix_;  // "<track>/<period>-<index>."
  std::uint32_t next_ = 0;
};

}  // namespace

std::optional<http::Response> stream_open_segment(const http::RouteContext& context,
                                                  const std::shared_ptr<live::LiveChannel>& channel,
                                                  const live::LiveSnapshot& snapshot, std::string_view file,
                                                  std::string_view cache_control) {
  const auto& held = channel->held_requests();
  if (!held || snapshot.presentation.ended || !file.ends_with(".m4s")) return std::nullopt;
  const std::size_t slash = file.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view track_id = file.substr(0, slash);
  std::string_view name = file.substr(slash + 1);
  name.remove_suffix(4);
  const std::size_t dash = name.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto period = number_of(name.substr(0, dash));
  const auto index = number_of(name.substr(dash + 1));  // a part name ("3.1") is not a number
  if (!period || !index) return std::nullopt;
  const package::TrackDescription* track = nullptr;
  for (const auto& t : snapshot.presentation.tracks) {
    if (t.id == track_id) track = &t;
  }
  if (!track || track->parts.empty()) return std::nullopt;
  // Open (it has parts), or next (the newest part is of the segment before).
  const package::PartEntry& newest = track->parts.back();
  if (newest.period != *period || (newest.segment_index != *index && newest.segment_index + 1 != *index)) {
    return std::nullopt;
  }
  auto stream = std::make_shared<http::ResponseStream>(http::media_stream_options(kMaxQueuedBytes));
  auto feed = std::make_shared<SegmentFeed>(stream, held, context.client.address, std::string(track_id),
                                            std::string(file), fmt::format("{}/{}-{}.", track_id, *period, *index));
  feed->advance(channel->snapshot());
  http::Response response = http::make_stream_response(std::move(stream), http::mime_type_for(file));
  response.set(http::beast_http::field::cache_control, cache_control);
  response.set(http::beast_http::field::access_control_allow_origin, "*");
  return response;
}

}  // namespace tidecast::api
