#pragma once
// What Beast itself writes for a response's head: the reference the
// hand-written head texts are compared with, byte for byte.
#include <boost/beast/http/write.hpp>
#include <sstream>
#include <string>

#include "http/message.hpp"

namespace tidecast::test {

inline std::string beast_head(const http::Response& response) {
  std::ostringstream out;
  out << response.base();
  return out.str();
}

}  // namespace tidecast::test
