#include "transcode/input_streams.hpp"

#include <fmt/format.h>

namespace tidecast::transcode {

int pick_video_stream(AVFormatContext* format) {
  int best = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (best >= 0 && !(format->streams[best]->disposition & AV_DISPOSITION_ATTACHED_PIC)) return best;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* s = format->streams[i];
    if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(s->disposition & AV_DISPOSITION_ATTACHED_PIC) &&
        avcodec_find_decoder(s->codecpar->codec_id)) {
      return static_cast<int>(i);
    }
  }
  return -1;  // none, or only cover art
}

int pick_audio_stream(const AVFormatContext* format) {
  int first = -1;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* s = format->streams[i];
    if (s->codecpar->codec_type != AVMEDIA_TYPE_AUDIO || s->codecpar->sample_rate <= 0 ||
        !avcodec_find_decoder(s->codecpar->codec_id)) {
      continue;
    }
    if (s->disposition & AV_DISPOSITION_DEFAULT) return static_cast<int>(i);
    if (first < 0) first = static_cast<int>(i);
  }
  return first;
}

UploadInput open_upload_input(const std::filesystem::path& path) {
  UploadInput input;
  input.path = path;
  AVFormatContext* raw_format = nullptr;
  check(avformat_open_input(&raw_format, path.c_str(), nullptr, nullptr), "open " + path.string());
  input.format.reset(raw_format);
  check(avformat_find_stream_info(input.format.get(), nullptr), "probe " + path.string());
  input.video_index = pick_video_stream(input.format.get());
  input.audio_index = pick_audio_stream(input.format.get());
  if (input.video_index < 0 && input.audio_index < 0) {
    throw TranscodeError(fmt::format("transcode input {}: no video or audio stream", path.string()));
  }
  return input;
}

}  // namespace tidecast::transcode
