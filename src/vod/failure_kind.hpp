#pragma once
// What a failed conversion's reason means for the uploader: a machine code
// and whether running the job again could ever help. The catalog keeps only
// the reason text (videos.failure_reason), so it is read from the words the
// probe (vod/probe.cpp) and the converter (vod/ladder_converter.cpp) use;
// tests/vod/failure_kind_test.cpp runs the real probe so the two cannot drift.
// Anything not recognised counts as retryable (a Retry that fails again costs
// little; hiding it for a passing fault would strand the video).
#include <string_view>

namespace tidecast::vod {

struct FailureKind {
  std::string_view code;  // not_media | unsupported | too_large | too_long | missing | deleted | conversion_error
  bool retryable = true;
};

FailureKind classify_failure(std::string_view reason);

}  // namespace tidecast::vod
