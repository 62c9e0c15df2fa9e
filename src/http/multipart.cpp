#include "http/multipart.hpp"

#include "http/ascii.hpp"

namespace tidecast::http {

namespace {

constexpr std::size_t kMaxHeaderBlock = 16 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of `name` among "; "-separated parameters (quoted or token).
std::optional<std::string> header_parameter(std::string_view header, std::string_view name) {
  std::size_t pos = header.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = trim(header.substr(pos + 1));
    const std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = trim(rest.substr(0, eq));
    std::string_view value = rest.substr(eq + 1);
    std::string out;
    std::size_t consumed = 0;
    if (!value.empty() && value.front() == '"') {
      std::size_t i = 1;
      for (; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        out.push_back(value[i]);
      }
      consumed = i + 1;
    } else {
      consumed = value.find(';');
      out = std::string(trim(value.substr(0, consumed)));
    }
    if (iequals(key, name)) return out;
    if (consumed >= value.size()) return std::nullopt;
    const std::size_t next = value.find(';', consumed);
    if (next == std::string_view::npos) return std::nullopt;
    header = value.substr(next);
    pos = 0;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (!iequals(type, "multipart/form-data")) return std::nullopt;
  auto boundary = header_parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  return boundary;
}

MultipartReader::MultipartReader(std::string boundary, Callbacks callbacks)
    : delimiter_("\r\n--" + boundary), callbacks_(std::move(callbacks)) {
  // The first delimiter has no CRLF before it: pretend it had.
  pending_ = "\r\n";
}

bool MultipartReader::fail(std::string reason) {
  state_ = State::failed;
  error_ = std::move(reason);
  pending_.clear();
  return false;
}

bool MultipartReader::parse_headers(std::string_view block) {
  part_ = {};
  while (!block.empty()) {
    const std::size_t end = block.find("\r\n");
    const std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view{} : block.substr(end + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail("multipart: malformed part header");
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Disposition")) {
      part_.name = header_parameter(value, "name").value_or("");
      part_.filename = header_parameter(value, "filename").value_or("");
    } else if (iequals(name, "Content-Type")) {
      part_.content_type = std::string(value);
    }
  }
  if (callbacks_.on_part) callbacks_.on_part(part_);
  return true;
}

bool MultipartReader::feed(std::string_view data) {
  if (state_ == State::failed) return false;
  if (state_ == State::epilogue) return true;
  pending_.append(data);
  std::string_view view(pending_);
  std::size_t consumed = 0;
  auto rest = [&] { return view.substr(consumed); };
  bool progress = true;
  while (progress) {
    progress = false;
    switch (state_) {
      case State::preamble: {
        const std::size_t at = rest().find(delimiter_);
        if (at == std::string_view::npos) {
          // Keep what could be the start of a delimiter.
          if (rest().size() >= delimiter_.size()) consumed += rest().size() - (delimiter_.size() - 1);
          break;
        }
        consumed += at + delimiter_.size();
        state_ = State::after_delimiter;
        progress = true;
        break;
      }
      case State::after_delimiter: {
        // "--" closes the body; otherwise optional whitespace, then CRLF.
        const std::string_view r = rest();
        if (r.size() < 2) break;
        if (r.substr(0, 2) == "--") {
          consumed = view.size();
          state_ = State::epilogue;
          break;
        }
        const std::size_t crlf = r.find("\r\n");
        if (crlf == std::string_view::npos) {
          if (r.size() > 256) return fail("multipart: malformed delimiter line");
          break;
        }
        if (!trim(r.substr(0, crlf)).empty()) return fail("multipart: malformed delimiter line");
        consumed += crlf + 2;
        state_ = State::headers;
        progress = true;
        break;
      }
      case State::headers: {
        const std::string_view r = rest();
        if (r.substr(0, 2) == "\r\n") {  // a part without headers
          consumed += 2;
          if (!parse_headers({})) return false;
          state_ = State::body;
          progress = true;
          break;
        }
        const std::size_t end = r.find("\r\n\r\n");
        if (end == std::string_view::npos) {
          if (r.size() > kMaxHeaderBlock) return fail("multipart: part headers too large");
          break;
        }
        if (!parse_headers(r.substr(0, end))) return false;
        consumed += end + 4;
        state_ = State::body;
        progress = true;
        break;
      }
      case State::body: {
        const std::string_view r = rest();
        const std::size_t at = r.find(delimiter_);
        const std::size_t emit = at != std::string_view::npos    ? at
                                 : r.size() >= delimiter_.size() ? r.size() - (delimiter_.size() - 1)
                                                                 : 0;
        if (emit > 0 && callbacks_.on_data && !callbacks_.on_data(r.substr(0, emit))) {
          return fail("multipart: upload refused");
        }
        consumed += emit;
        if (at != std::string_view::npos) {
          consumed += delimiter_.size();
          if (callbacks_.on_part_end) callbacks_.on_part_end();
          state_ = State::after_delimiter;
          progress = true;
        }
        break;
      }
      case State::epilogue:
      case State::failed:
        break;
    }
  }
  pending_.erase(0, consumed);
  return true;
}

}  // namespace tidecast::http
