#include "chat/text.hpp"

#include <cctype>
#include <cstdint>

namespace tidecast::chat {

namespace {

// Decodes one code point at text[i]; advances i. -1 when malformed.
std::int32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  int extra = 0;
  std::int32_t cp = 0;
  std::int32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    extra = 1, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, cp = lead & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + static_cast<std::size_t>(extra) >= text.size()) return -1;  // truncated
  for (int k = 1; k <= extra; ++k) {
    const unsigned char c = byte(i + static_cast<std::size_t>(k));
    if ((c & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

bool is_control(std::int32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (next_code_point(text, i) < 0) return false;
  }
  return true;
}

std::size_t count_chars(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

TextProblem check_message_text(std::string_view text, std::string& out, std::size_t max_chars) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.empty()) return TextProblem::empty;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::int32_t cp = next_code_point(text, i);
    if (cp < 0) return TextProblem::bad_utf8;
    if (is_control(cp)) return TextProblem::control;
    if (++chars > max_chars) return TextProblem::too_long;
  }
  out.assign(text);
  return TextProblem::none;
}

const char* describe(TextProblem problem) {
  switch (problem) {
    case TextProblem::none:
      return "ok";
    case TextProblem::empty:
      return "the message is empty";
    case TextProblem::too_long:
      return "the message is too long";
    case TextProblem::bad_utf8:
      return "the message is not valid UTF-8";
    case TextProblem::control:
      return "the message contains control characters";
  }
  return "invalid message";
}

bool valid_nickname(std::string_view nick) {
  if (nick.empty() || nick.size() > kMaxNicknameChars) return false;
  for (const char c : nick) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || c == '-' || c == '.')) return false;
  }
  return true;
}

bool contains_link(std::string_view text) {
  std::string lower;
  lower.reserve(text.size());
  for (const char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower.find("://") != std::string::npos || lower.find("www.") != std::string::npos) return true;
  // A dot with a letter, digit or '-' right before it and 2+ letters after
  // it that end the word (or meet '/', ':' or '?'): "example.com/x".
  for (std::size_t dot = lower.find('.'); dot != std::string::npos; dot = lower.find('.', dot + 1)) {
    if (dot == 0) continue;
    const auto before = static_cast<unsigned char>(lower[dot - 1]);
    if (!(std::isalnum(before) || before == '-')) continue;
    std::size_t end = dot + 1;
    while (end < lower.size() && std::isalpha(static_cast<unsigned char>(lower[end]))) ++end;
    if (end - dot - 1 < 2) continue;
    if (end == lower.size()) return true;
    const char next = lower[end];
    if (next == '/' || next == ':' || next == '?' || next == ' ' || next == ',' || next == ')' || next == '!') {
      return true;
    }
  }
  return false;
}

}  // namespace tidecast::chat
