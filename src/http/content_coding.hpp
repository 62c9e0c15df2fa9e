#pragma once
// Content negotiation on Accept-Encoding (RFC 9110 §12.5.3) for resources kept
// in several precompressed forms (the embedded web assets): pick the coding the
// client prefers among those available; identity when nothing else fits.
#include <string_view>

namespace tidecast::http {

enum class ContentCoding { identity, gzip, br };

struct AvailableCodings {
  bool gzip = false;
  bool br = false;
};

// The highest q wins; on a tie br beats gzip beats identity (br is the
// smaller). q=0 refuses a coding, `*` stands for every coding not named.
// Identity is always the fallback: a client that refuses it too still gets
// the plain bytes rather than a 406 (what browsers and proxies expect).
ContentCoding choose_content_coding(std::string_view accept_encoding, AvailableCodings available);

// "gzip" or "br"; empty for identity.
std::string_view content_coding_name(ContentCoding coding);

}  // namespace tidecast::http
