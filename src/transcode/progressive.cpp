#include "transcode/progressive.hpp"

#include <fmt/format.h>

#include <fstream>
#include <optional>

extern "C" {
#include <libavutil/opt.h>
}

#include "transcode/av_util.hpp"

namespace tidecast::transcode {

namespace fs = std::filesystem;

namespace {

struct FormatOutputDeleter {
  void operator()(AVFormatContext* p) const {
    if (p && p->pb) avio_closep(&p->pb);
    avformat_free_context(p);
  }
};

// The track as one fragmented MP4 file next to the output (removed afterwards).
class JoinedTrack {
 public:
  JoinedTrack(const CmafTrackFiles& files, fs::path path) : path_(std::move(path)) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    auto append = [&](const fs::path& part) {
      std::ifstream in(part, std::ios::binary);
      if (!in) throw TranscodeError(fmt::format("transcode output: cannot read {}", part.string()));
      out << in.rdbuf();
    };
    append(files.init);
    for (const auto& segment : files.segments) append(segment);
    out.close();
    if (!out) throw TranscodeError(fmt::format("transcode output: cannot write {}", path_.string()));
  }
  ~JoinedTrack() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  JoinedTrack(const JoinedTrack&) = delete;
  JoinedTrack& operator=(const JoinedTrack&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Input {
  FormatInputPtr format;
  AVStream* out_stream = nullptr;
  AvPacketPtr pending;
  bool done = false;
};

void remux(std::vector<Input>& inputs, const fs::path& output) {
  AVFormatContext* raw = nullptr;
  check(avformat_alloc_output_context2(&raw, nullptr, "mp4", output.c_str()), "progressive: output");
  std::unique_ptr<AVFormatContext, FormatOutputDeleter> out(raw);
  for (auto& input : inputs) {
    AVStream* in = input.format->streams[0];
    input.out_stream = avformat_new_stream(out.get(), nullptr);
    if (!input.out_stream) throw TranscodeError("transcode progressive: out of memory");
    check(avcodec_parameters_copy(input.out_stream->codecpar, in->codecpar), "progressive: stream parameters");
    input.out_stream->codecpar->codec_tag = 0;
    input.out_stream->time_base = in->time_base;
  }
  check(avio_open(&out->pb, output.c_str(), AVIO_FLAG_WRITE), "progressive: open " + output.string());
  AVDictionary* options = nullptr;
  av_dict_set(&options, "movflags", "+faststart", 0);
  const int header = avformat_write_header(out.get(), &options);
  av_dict_free(&options);
  check(header, "progressive: header");
  auto fill = [](Input& input) {
    if (input.done || input.pending) return;
    AvPacketPtr packet = make_packet();
    for (;;) {
      const int read = av_read_frame(input.format.get(), packet.get());
      if (read == AVERROR_EOF) {
        input.done = true;
        return;
      }
      check(read, "progressive: read");
      if (packet->stream_index == 0) break;
      av_packet_unref(packet.get());
    }
    input.pending = std::move(packet);
  };
  for (;;) {
    Input* next = nullptr;
    for (auto& input : inputs) {
      fill(input);
      if (!input.pending) continue;
      const AVRational tb = input.format->streams[0]->time_base;
      if (!next || av_compare_ts(input.pending->dts, tb, next->pending->dts, next->format->streams[0]->time_base) < 0) {
        next = &input;
      }
    }
    if (!next) break;
    AvPacketPtr packet = std::move(next->pending);
    av_packet_rescale_ts(packet.get(), next->format->streams[0]->time_base, next->out_stream->time_base);
    packet->stream_index = next->out_stream->index;
    packet->pos = -1;
    check(av_write_frame(out.get(), packet.get()), "progressive: write");
  }
  check(av_write_trailer(out.get()), "progressive: trailer");
}

}  // namespace

void write_progressive_mp4(const std::vector<CmafTrackFiles>& tracks, const fs::path& output) {
  try {
    std::vector<std::unique_ptr<JoinedTrack>> joined;
    std::vector<Input> inputs;
    for (std::size_t i = 0; i < tracks.size(); ++i) {
      joined.push_back(std::make_unique<JoinedTrack>(
          tracks[i], output.parent_path() / fmt::format(".{}.track{}.mp4", output.filename().string(), i)));
      AVFormatContext* raw = nullptr;
      check(avformat_open_input(&raw, joined.back()->path().c_str(), nullptr, nullptr), "progressive: read track");
      Input input;
      input.format.reset(raw);
      check(avformat_find_stream_info(input.format.get(), nullptr), "progressive: read track");
      if (input.format->nb_streams < 1) throw TranscodeError("transcode progressive: a track without a stream");
      inputs.push_back(std::move(input));
    }
    remux(inputs, output);
  } catch (const TranscodeError& e) {
    std::error_code ec;
    fs::remove(output, ec);
    throw TranscodeError(fmt::format("transcode output: download.mp4: {}", e.what()));
  }
}

}  // namespace tidecast::transcode
