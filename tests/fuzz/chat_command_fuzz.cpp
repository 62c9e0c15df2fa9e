// libFuzzer target for the chat's wire protocol and text rules
// (src/chat/protocol.*, src/chat/text.*): whatever a viewer sends. Oracles:
// parsing never throws; an accepted post's text is valid UTF-8, trimmed, free
// of controls and at most 500 characters, and passes the text check again
// unchanged; the text check agrees with the UTF-8 validator; a message built
// from the input serializes to JSON that parses back to the same text.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "chat/protocol.hpp"
#include "chat/text.hpp"
#include "fuzz_check.hpp"

using tidecast::fuzz::check;
using namespace tidecast::chat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = tidecast::fuzz::as_text(data, size);
  const auto parsed = parse_command(input);
  if (const auto* command = std::get_if<Command>(&parsed)) {
    if (const auto* post = std::get_if<PostCommand>(command)) {
      check(valid_utf8(post->text));
      check(count_chars(post->text) <= kMaxMessageChars);
      std::string again;
      check(check_message_text(post->text, again) == TextProblem::none);
      check(again == post->text);
      check(post->nick.empty() || valid_nickname(post->nick));
      check(post->nonce.size() <= kMaxNonceBytes);
    }
  }
  std::string out;
  const TextProblem problem = check_message_text(input, out);
  if (problem == TextProblem::bad_utf8) check(!valid_utf8(input));
  if (problem == TextProblem::none) {
    check(valid_utf8(out));
    ChatMessage message;
    message.text = out;
    message.author = "a";
    const auto json = nlohmann::json::parse(serialize_message(message));
    check(json["text"] == out);
  }
  (void)contains_link(input);
  return 0;
}
