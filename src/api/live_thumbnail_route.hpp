#pragma once
// GET /live/<channel>/thumbnail.jpg: the channel's live thumbnail
// (live/thumbnail_store.hpp), on the node that has it live (the load
// balancer's hash on the channel sends it there, other cluster nodes relay it;
// an edge may cache it for max-age). From memory when made; else made on the
// CPU pool and answered through a deferred response (no thread waits). 404
// with the offline JSON when the channel is not live or has no keyframe yet.
// Signature and privacy rules are serve_live's, checked first.
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "live/live_channel.hpp"

namespace tidecast::api {

http::Response serve_live_thumbnail(const http::Request& request, const live::LiveChannel& channel,
                                    std::string_view name, bool is_private);

// "<base>thumbnail.jpg?t=<version>" while the channel is live and has a
// keyframe to show (`base`: MediaLinks::live_base, signed for a private
// channel); the version names that keyframe, so it changes when the picture
// would, and a page refresh loads the new one. Makes no picture.
std::optional<std::string> live_thumbnail_link(const live::LiveChannel& channel, const std::string& base);

}  // namespace tidecast::api
