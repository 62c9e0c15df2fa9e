#pragma once
// An upload's input (vod_transcode.cpp): the opened demuxer and the video and
// audio streams the conversion takes from it. Internal to the transcode module.
#include <filesystem>

#include "transcode/av_util.hpp"

namespace tidecast::transcode {

// The best video stream unless it is cover art (an attached picture), else
// the first decodable video stream that is not; -1 when there is none.
int pick_video_stream(AVFormatContext* format);
// The first audio stream marked default, else the first audio stream (with
// a sample rate and a decoder); -1 when there is none.
int pick_audio_stream(const AVFormatContext* format);

struct UploadInput {
  std::filesystem::path path;
  FormatInputPtr format;
  int video_index = -1;
  int audio_index = -1;

  // nullptr when the input has no such stream.
  const AVStream* video_stream() const { return video_index >= 0 ? format->streams[video_index] : nullptr; }
  const AVStream* audio_stream() const { return audio_index >= 0 ? format->streams[audio_index] : nullptr; }
};

// Opens and probes `path` and picks its streams. Throws TranscodeError when
// it cannot be opened or probed, or has neither video nor audio.
UploadInput open_upload_input(const std::filesystem::path& path);

}  // namespace tidecast::transcode
