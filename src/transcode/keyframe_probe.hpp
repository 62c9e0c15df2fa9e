#pragma once
// How far apart a file's video keyframes are, read from its first packets
// (no decoding). An on-demand rendition that keeps the source's H.264 as it
// is (passthrough) can only be cut at the source's keyframes: a source with a
// 10-s GOP makes 10-s segments, and a phone starting on it waits for a
// multi-megabyte first segment. The conversion re-encodes such a source
// instead (vod_transcode.cpp, plan_passthrough).
#include <filesystem>
#include <optional>

namespace tidecast::transcode {

// The longest distance in seconds between consecutive keyframes of stream
// `stream_index` within its first `media_seconds` (the last keyframe to that
// limit counts too, so one GOP longer than the window is seen). nullopt when
// the file cannot be read or has fewer than one keyframe there.
std::optional<double> longest_keyframe_interval(const std::filesystem::path& path, int stream_index,
                                                double media_seconds = 30.0);

}  // namespace tidecast::transcode
