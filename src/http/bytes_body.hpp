#pragma once
// A Beast Body over immutable bytes somebody else owns: embedded assets
// (static storage) or shared segment buffers (kept alive by `owner`). Sending
// never copies the payload. Or a span of an open file (on-demand media): the
// session sends it with sendfile (plain) or bounded reads (TLS); the writer
// below reads it in bounded chunks for any other path.
#include <unistd.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/open_file.hpp"

namespace tidecast::http {

class ResponseStream;
class DeferredResponse;
class Upgrade;

// A byte range over a run of immutable buffers (a low-latency segment held as
// its parts), sent buffer by buffer without joining them.
struct PieceSpan {
  std::shared_ptr<const void> owner;  // keeps `pieces` alive
  std::vector<std::string_view> pieces;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct BytesBody {
  struct value_type {
    std::shared_ptr<const void> owner;  // null for static storage
    std::string_view bytes;
    // Set for long-lived responses (http/response_stream.hpp): the session
    // sends the head, then the stream's bytes as they come; `bytes` is unused.
    std::shared_ptr<ResponseStream> stream = {};
    // Set when the response itself comes later (http/deferred_response.hpp).
    std::shared_ptr<DeferredResponse> deferred = {};
    // Set for file responses: `bytes` is unused.
    std::shared_ptr<const FileSpan> file = {};
    // Set when the connection leaves HTTP (http/upgrade.hpp): nothing is written.
    std::shared_ptr<Upgrade> upgrade = {};
    // Set for responses over several buffers: `bytes` is unused.
    std::shared_ptr<const PieceSpan> pieces = {};
    // Set for a 200 whose head was built once (http/prebuilt_head.hpp): the
    // status line and fixed fields as text, kept alive by `owner`.
    std::string_view head = {};
  };

  static std::uint64_t size(const value_type& body) {
    return body.file ? body.file->length : body.pieces ? body.pieces->length : body.bytes.size();
  }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (body_.file) return read_file_chunk(ec);
      if (body_.pieces) return next_piece();
      if (sent_ || body_.bytes.empty()) return boost::none;
      sent_ = true;
      return std::make_pair(const_buffers_type(body_.bytes.data(), body_.bytes.size()), false);
    }

   private:
    boost::optional<std::pair<const_buffers_type, bool>> next_piece() {
      const PieceSpan& span = *body_.pieces;
      // Skip to the piece holding byte offset + done_, hand out the rest of it.
      std::uint64_t at = span.offset + done_;
      for (const std::string_view piece : span.pieces) {
        if (done_ >= span.length) break;
        if (at >= piece.size()) {
          at -= piece.size();
          continue;
        }
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size() - at, span.length - done_));
        done_ += take;
        return std::make_pair(const_buffers_type(piece.data() + at, take), done_ < span.length);
      }
      return boost::none;
    }

    boost::optional<std::pair<const_buffers_type, bool>> read_file_chunk(boost::beast::error_code& ec) {
      const FileSpan& span = *body_.file;
      if (done_ >= span.length) return boost::none;
      chunk_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(span.length - done_, 64 * 1024)));
      const ssize_t got =
          ::pread(span.file->fd(), chunk_.data(), chunk_.size(), static_cast<off_t>(span.offset + done_));
      if (got <= 0) {  // unreadable, or shorter than when it was opened
        ec = boost::asio::error::broken_pipe;
        return boost::none;
      }
      done_ += static_cast<std::uint64_t>(got);
      return std::make_pair(const_buffers_type(chunk_.data(), static_cast<std::size_t>(got)), done_ < span.length);
    }

    const value_type& body_;
    bool sent_ = false;
    std::uint64_t done_ = 0;  // file bytes handed out
    std::string chunk_;
  };
};

// Wraps an owned string so it can be a BytesBody.
inline BytesBody::value_type bytes_of(std::string text) {
  auto owned = std::make_shared<const std::string>(std::move(text));
  std::string_view view(*owned);
  return {std::move(owned), view};
}

}  // namespace tidecast::http
