#include "chat/text.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace tidecast::chat;

TEST_CASE("chat text: UTF-8 is checked strictly") {
  CHECK(valid_utf8("hello"));
  CHECK(valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x8e\xb8"));  // é € 🎸
  CHECK_FALSE(valid_utf8("\xc3"));                                  // truncated
  CHECK_FALSE(valid_utf8("\xc0\xaf"));                              // overlong '/'
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));                          // a surrogate
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));                      // above U+10FFFF
  CHECK_FALSE(valid_utf8("\xff"));
  CHECK_FALSE(valid_utf8("ok\x80"));  // a lone continuation byte
  CHECK(count_chars("h\xc3\xa9\xf0\x9f\x8e\xb8") == 3);
}

TEST_CASE("chat text: one printable line, trimmed, at most 500 characters") {
  std::string out;
  CHECK(check_message_text("  hi there \n", out) == TextProblem::none);
  CHECK(out == "hi there");
  CHECK(check_message_text(" \t ", out) == TextProblem::empty);
  CHECK(check_message_text("a\nb", out) == TextProblem::control);
  CHECK(check_message_text("bell\x07", out) == TextProblem::control);
  CHECK(check_message_text("del\x7f", out) == TextProblem::control);
  CHECK(check_message_text("c1 \xc2\x85 next line", out) == TextProblem::control);
  CHECK(check_message_text("bad \xc3", out) == TextProblem::bad_utf8);
  CHECK(check_message_text(std::string(500, 'x'), out) == TextProblem::none);
  CHECK(check_message_text(std::string(501, 'x'), out) == TextProblem::too_long);
  // Characters, not bytes: 500 euro signs are 1500 bytes and allowed.
  std::string euros;
  for (int i = 0; i < 500; ++i) euros += "\xe2\x82\xac";
  CHECK(check_message_text(euros, out) == TextProblem::none);
  CHECK(check_message_text(euros + "\xe2\x82\xac", out) == TextProblem::too_long);
  // Markup is just text here; the browser renders it as text.
  CHECK(check_message_text("<script>alert(1)</script>", out) == TextProblem::none);
}

TEST_CASE("chat text: nicknames") {
  CHECK(valid_nickname("guest_42"));
  CHECK(valid_nickname("a.b-c"));
  CHECK_FALSE(valid_nickname(""));
  CHECK_FALSE(valid_nickname("two words"));
  CHECK_FALSE(valid_nickname("<b>"));
  CHECK_FALSE(valid_nickname(std::string(33, 'a')));
  CHECK_FALSE(valid_nickname("\xc3\xa9"));
}

TEST_CASE("chat text: links") {
  CHECK(contains_link("see https://example.com"));
  CHECK(contains_link("go to www.example"));
  CHECK(contains_link("example.com"));
  CHECK(contains_link("visit Example.ORG/path now"));
  CHECK(contains_link("shop.example.net?x=1"));
  CHECK_FALSE(contains_link("hello world"));
  CHECK_FALSE(contains_link("e.g. this"));
  CHECK_FALSE(contains_link("version 1.2.3"));
  CHECK_FALSE(contains_link("wait... ok"));
  CHECK_FALSE(contains_link("end of sentence. Next"));
}
