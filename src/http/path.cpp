#include "http/path.hpp"

namespace tidecast::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_forbidden_char(char c) { return c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// A path the steps below would return unchanged (nearly every request): no
// escapes, no forbidden characters, no empty, "." or ".." segments (nor any
// segment starting with a dot: those take the long way), no trailing slash.
bool already_normal(std::string_view raw) {
  if (raw.size() > 1 && raw.back() == '/') return false;
  char previous = 0;
  for (const char c : raw) {
    if (c == '%' || is_forbidden_char(c)) return false;
    if (previous == '/' && (c == '/' || c == '.')) return false;
    previous = c;
  }
  return true;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    // Runs without escapes (nearly every path) are copied whole.
    const std::size_t special = text.find_first_of(std::string_view("%\0", 2), i);
    if (special == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, special - i));
    i = special;
    if (text[i] == '\0') return std::nullopt;  // a raw NUL, like a decoded one (found by fuzz_http_path)
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const char decoded = static_cast<char>(hi * 16 + lo);
    if (decoded == '\0') return std::nullopt;
    out.push_back(decoded);
    i += 3;
  }
  return out;
}

std::optional<std::string> normalize_path(std::string_view target) {
  const std::string_view raw = target.substr(0, target.find('?'));
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  if (already_normal(raw)) return std::string(raw);
  const auto decoded = percent_decode(raw);
  if (!decoded) return std::nullopt;
  std::string out;
  out.reserve(decoded->size() + 1);
  for (std::string_view segment : split_path(*decoded)) {
    if (segment == ".") continue;
    if (segment == "..") return std::nullopt;
    for (char c : segment) {
      if (is_forbidden_char(c)) return std::nullopt;
    }
    out.push_back('/');
    out.append(segment);
  }
  if (out.empty()) out.push_back('/');  // (not out = "/": GCC 12 -Wrestrict false positive)
  return out;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  segments.reserve(8);
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) segments.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

std::map<std::string, std::string, std::less<>> parse_query(std::string_view target) {
  std::map<std::string, std::string, std::less<>> out;
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) return out;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    std::string plus_as_space(pair);
    for (char& c : plus_as_space) {
      if (c == '+') c = ' ';
    }
    const std::string_view fixed(plus_as_space);
    auto key = percent_decode(fixed.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : fixed.substr(eq + 1));
    if (key && value && !key->empty()) out.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace tidecast::http
