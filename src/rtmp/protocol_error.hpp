#pragma once
// The one exception type of the RTMP codec: thrown for untrusted input that is
// truncated, malformed or over a limit. The message names the part first
// ("rtmp chunk: ...", "amf0: ...", "flv video: ...") so a session can log it
// as is and close the connection.
#include <stdexcept>

namespace tidecast::rtmp {

class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tidecast::rtmp
