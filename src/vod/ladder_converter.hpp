#pragma once
// The Converter over the upload pipeline (transcode::transcode_upload): the
// ladder as CMAF segments with static HLS playlists and a static DASH MPD,
// plus download.mp4, poster.jpg and the storyboard, in-process on the calling
// (worker) thread. The rungs come from the "transcode" config; its `enabled`
// switch is about live streams, so an upload always gets the ladder.
//
// Progress is the decoder's position: once a second the media seconds and
// frames decoded so far give percent (against the probed duration), fps and
// ETA. The conversion stops between two packets when the progress callback
// returns false (the video was deleted) or when it has run longer than
// max_seconds (jobs.max_seconds; 0 = no limit): it then fails with
// "conversion exceeded N s", retried like any other failure.
#include "core/log.hpp"
#include "tidecast/config.hpp"
#include "vod/converter.hpp"

namespace tidecast::vod {

struct LadderConverterOptions {
  TranscodeConfig ladder;
  double segment_seconds = 2.0;
  unsigned threads = 0;      // CPU threads per conversion; 0 = number of cores
  unsigned max_seconds = 0;  // wall-time limit per conversion; 0 = none
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
