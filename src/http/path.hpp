#pragma once
// Request-target handling: split off the query, percent-decode, and normalise
// the path so no request can name anything outside the tree it is served from.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tidecast::http {

// Decodes %XX escapes; nullopt on a malformed escape or a NUL (raw or decoded).
std::optional<std::string> percent_decode(std::string_view text);

// "/a/./b//c?x=1" -> "/a/b/c". nullopt when the target is not origin-form,
// contains "..", a backslash or a control character (before or after decoding).
std::optional<std::string> normalize_path(std::string_view target);

// Path segments of a normalised path: "/a/b" -> {"a", "b"}.
std::vector<std::string_view> split_path(std::string_view normalized);

// "a=1&b=x%20y" -> {a:1, b:"x y"}; malformed pairs are skipped.
std::map<std::string, std::string, std::less<>> parse_query(std::string_view target);

}  // namespace tidecast::http
