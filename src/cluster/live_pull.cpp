#include "cluster/live_pull.hpp"

#include <algorithm>
#include <cctype>

namespace tidecast::cluster {

namespace {

bool is_number(std::string_view value) {
  // Ten digits already exceed any sequence number a stream reaches.
  return !value.empty() && value.size() <= 10 &&
         std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string_view m4s_stem(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view file = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  if (!file.ends_with(".m4s")) return {};
  return file.substr(0, file.size() - 4);
}

// "<name>-t<start>.m4s": the live MPD's name for a segment, which may still
// be in progress (a part's name has a dot in its stem).
bool is_mpd_segment(std::string_view path) {
  const std::string_view stem = m4s_stem(path);
  return stem.find("-t") != std::string_view::npos && stem.find('.') == std::string_view::npos;
}

// "<name>-<segment>.<part>.m4s" (a part) or an MPD segment name.
bool may_be_in_progress(std::string_view path) {
  return m4s_stem(path).find('.') != std::string_view::npos || is_mpd_segment(path);
}

}  // namespace

std::optional<LivePull> live_pull_of(std::string_view target, std::chrono::milliseconds hold_limit) {
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  std::string_view msn, part, skip;
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      const std::size_t eq = pair.find('=');
      const std::string_view name = pair.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      if (name == "_HLS_msn")
        msn = value.empty() ? "?" : value;
      else if (name == "_HLS_part")
        part = value.empty() ? "?" : value;
      else if (name == "_HLS_skip")
        skip = value.empty() ? "?" : value;
    }
  }
  if ((!msn.empty() && !is_number(msn)) || (!part.empty() && !is_number(part)) ||
      (!skip.empty() && skip != "YES" && skip != "v2")) {
    return std::nullopt;
  }
  LivePull pull{.target = std::string(path), .timeout = {}, .streamable = msn.empty() && is_mpd_segment(path)};
  char separator = '?';
  for (const auto& [name, value] :
       {std::pair{"_HLS_msn", msn}, std::pair{"_HLS_part", part}, std::pair{"_HLS_skip", skip}}) {
    if (value.empty()) continue;
    pull.target += separator;
    pull.target += name;
    pull.target += '=';
    pull.target += value;
    separator = '&';
  }
  // The owner answers a held request by `hold_limit` at the latest; the
  // margin covers the fetch itself. A plain media playlist may be held too
  // (for the next part, live/fresh_playlist.hpp).
  if (!msn.empty() || may_be_in_progress(path) || path.ends_with("/media.m3u8")) {
    pull.timeout = hold_limit + std::chrono::seconds(3);
  }
  return pull;
}

}  // namespace tidecast::cluster
