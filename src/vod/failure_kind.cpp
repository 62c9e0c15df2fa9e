#include "vod/failure_kind.hpp"

#include <array>
#include <utility>

namespace tidecast::vod {

FailureKind classify_failure(std::string_view reason) {
  // Checked in order; the first fragment found decides.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kPermanent{{
      {"not a media file", "not_media"},
      {"empty file", "not_media"},
      {"no video or audio stream", "not_media"},
      {"is not supported", "unsupported"},
      {"no decodable", "unsupported"},
      {"no media could be decoded", "unsupported"},
      {"nothing to output", "unsupported"},
      {"too many streams", "unsupported"},
      {"video too large", "too_large"},
      {"duration too long", "too_long"},
      {"the uploaded file is missing", "missing"},
      {"truncated at", "not_media"},  // the upload is cut off: only uploading it again helps
  }};
  for (const auto& [fragment, code] : kPermanent) {
    if (reason.find(fragment) != std::string_view::npos) return {code, false};
  }
  if (reason == "the video was deleted") return {"deleted", false};
  return {"conversion_error", true};
}

}  // namespace tidecast::vod
