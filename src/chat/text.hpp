#pragma once
// Rules for the text of a chat message and for nicknames, on raw bytes: no
// sockets, no JSON. What viewers send is untrusted; what the room forwards
// has passed these checks.
#include <cstddef>
#include <string>
#include <string_view>

namespace tidecast::chat {

inline constexpr std::size_t kMaxMessageChars = 500;
inline constexpr std::size_t kMaxNicknameChars = 32;

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view text);
// Code points of well-formed UTF-8.
std::size_t count_chars(std::string_view text);

enum class TextProblem { none, empty, too_long, bad_utf8, control };
// Trims surrounding spaces into `out` and checks the rest: one line of
// printable text (no C0/C1 controls, no DEL), 1..max_chars code points.
TextProblem check_message_text(std::string_view text, std::string& out, std::size_t max_chars = kMaxMessageChars);
const char* describe(TextProblem problem);

// Guests' names: 1..32 of letters, digits, '_', '-', '.' (ASCII), so a
// nickname can never look like markup or hide as blank space.
bool valid_nickname(std::string_view nick);

// Whether the text carries a link: a scheme ("://"), "www.", or a word like
// "example.com" / "example.org/path" (letters-only top-level label of 2+).
bool contains_link(std::string_view text);

}  // namespace tidecast::chat
