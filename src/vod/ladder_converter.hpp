#pragma once
// The Converter over the transcoder's file mode (transcode::transcode_file):
// the live ladder as CMAF segments with static HLS playlists and a static
// DASH MPD, in-process on the calling (worker) thread and its own CPU pool.
// The rungs come from the "transcode" config; its `enabled` switch is about
// live streams, so an upload always gets the ladder.
//
// transcode_file has no progress hook yet, so progress is measured from the
// outside: once a second the segments written so far are counted per track
// (each is ~segment_seconds of media). It cannot be interrupted either, so a
// stop request is honoured when the file is done.
#include "core/log.hpp"
#include "tidecast/config.hpp"
#include "vod/converter.hpp"

namespace tidecast::vod {

struct LadderConverterOptions {
  TranscodeConfig ladder;
  double segment_seconds = 2.0;
  unsigned threads = 0;  // CPU threads per conversion; 0 = number of cores
};

class LadderConverter : public Converter {
 public:
  LadderConverter(core::Logger& log, LadderConverterOptions options) : log_(log), options_(std::move(options)) {}
  ConversionResult convert(const ConversionRequest& request, const ProgressCallback& progress) override;

 private:
  core::Logger& log_;
  LadderConverterOptions options_;
};

}  // namespace tidecast::vod
