#pragma once
// Low-latency DASH: the live MPD also lists each track's segment in progress
// from its first part on (with the previous segment's duration until it is
// done), so players fetch it by its $Time$ URL while it is being made and
// dash_time_names maps that URL to the segment's file; the route streams
// it part by part (api/chunked_segment.hpp).
#include "package/presentation.hpp"

namespace tidecast::live {

package::Presentation with_open_segments(package::Presentation dash);

}  // namespace tidecast::live
