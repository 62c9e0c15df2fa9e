// File responses of Session (declared in session.hpp): on-demand media goes
// from the page cache to the socket without passing through memory of ours.
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>

#include "http/head_text.hpp"
#include "http/page_cache.hpp"
#include "http/session.hpp"

namespace tidecast::http {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {
// Sent before yielding to other connections on this thread (plain). A file in
// memory (a sealed live segment) goes in bursts of up to 2 MiB, a whole
// segment in one call, as nginx's sendfile_max_chunk allows. A disk file goes
// in 512 KiB: only the first and last page of a burst are checked against the
// page cache, so a longer one could make sendfile read the disk on this thread.
constexpr std::uint64_t kMemoryBurst = 2 * 1024 * 1024;
constexpr std::uint64_t kDiskBurst = 512 * 1024;
// One read and one write of a TLS file response: the memory a TLS viewer costs.
constexpr std::size_t kTlsFileChunk = 128 * 1024;
}  // namespace

template <class Stream>
void Session<Stream>::begin_file_response(bool keep_alive) {
  file_out_ = response_.body().file;
  file_sent_ = 0;
  file_cached_to_ = 0;
  if constexpr (!kTls) {
    if (!socket().native_non_blocking()) {  // once per connection: setting it is a system call each time
      beast::error_code ignored;
      socket().native_non_blocking(true, ignored);
    }
    // The head goes with MSG_MORE (nginx's tcp_nopush): the kernel holds it
    // for the file bytes that follow, so both leave in the same packets, with
    // one system call and no write completion for the head. It nearly always
    // fits the empty send buffer; when it does not, the rest goes the usual way.
    head_text_.clear();
    append_head_text(response_, head_text_);
    const int more = file_out_->length > 0 ? MSG_MORE : 0;  // nothing follows an empty body
    const ssize_t sent = ::send(socket().native_handle(), head_text_.data(), head_text_.size(), more | MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(head_text_.size())) return send_file_part(keep_alive);
    const std::size_t done = sent > 0 ? static_cast<std::size_t>(sent) : 0;
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return finish_file(keep_alive, beast::error_code(errno, boost::system::system_category()));
    }
    deadline_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
    return net::async_write(stream_, net::buffer(head_text_.data() + done, head_text_.size() - done),
                            [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                              if (ec) return self->finish_file(keep_alive, self->timed(ec));
                              self->send_file_part(keep_alive);
                            });
  }
  serializer_ = std::make_unique<beast::http::response_serializer<BytesBody>>(response_);
  deadline_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
  beast::http::async_write_header(stream_, *serializer_,
                                  [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                                    self->serializer_.reset();
                                    if (ec) return self->finish_file(keep_alive, self->timed(ec));
                                    self->send_file_part(keep_alive);
                                  });
}

template <class Stream>
void Session<Stream>::send_file_part(bool keep_alive) {
  const FileSpan& span = *file_out_;
  if (shared_->stopping) return finish_file(keep_alive, net::error::operation_aborted);
  // Restarts on progress: a long download is fine, a stalled reader is cut off.
  deadline_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
  if constexpr (kTls) {
    if (file_sent_ >= span.length) return finish_file(keep_alive, {});
    const std::uint64_t chunk = std::min<std::uint64_t>(span.length - file_sent_, kTlsFileChunk);
    net::const_buffer out;
    if (const auto mapped = span.file->mapped(); !mapped.empty()) {
      out = net::buffer(mapped.data() + span.offset + file_sent_, static_cast<std::size_t>(chunk));  // no read
    } else {
      if (!file_bytes_ready(keep_alive, chunk)) return;
      file_chunk_.resize(static_cast<std::size_t>(chunk));
      const ssize_t got = ::pread(span.file->fd(), file_chunk_.data(), file_chunk_.size(),
                                  static_cast<off_t>(span.offset + file_sent_));
      if (got <= 0) return finish_file(keep_alive, net::error::broken_pipe);  // the file shrank or went bad
      out = net::buffer(file_chunk_.data(), static_cast<std::size_t>(got));
    }
    net::async_write(stream_, out,
                     [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t written) {
                       if (ec) return self->finish_file(keep_alive, self->timed(ec));
                       self->file_sent_ += written;
                       self->send_file_part(keep_alive);
                     });
  } else {
    const std::uint64_t max_burst = span.file->mapped().empty() ? kDiskBurst : kMemoryBurst;
    std::uint64_t burst = 0;
    while (file_sent_ < span.length) {
      if (burst >= max_burst) {  // let the other connections of this thread have their turn
        net::post(stream_.get_executor(),
                  [self = this->shared_from_this(), keep_alive] { self->send_file_part(keep_alive); });
        return;
      }
      auto offset = static_cast<off_t>(span.offset + file_sent_);
      const auto want = static_cast<std::size_t>(std::min(span.length - file_sent_, max_burst));
      if (!file_bytes_ready(keep_alive, want)) return;
      const ssize_t sent = ::sendfile(socket().native_handle(), span.file->fd(), &offset, want);
      if (sent > 0) {
        file_sent_ += static_cast<std::uint64_t>(sent);
        burst += static_cast<std::uint64_t>(sent);
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait_writable(keep_alive);
      // 0: the file is shorter than when it was opened; the length is promised, so close.
      return finish_file(keep_alive, timed(sent == 0 ? net::error::broken_pipe
                                                     : beast::error_code(errno, boost::system::system_category())));
    }
    finish_file(keep_alive, {});
  }
}

template <class Stream>
bool Session<Stream>::file_bytes_ready(bool keep_alive, std::uint64_t length) {
  const FileSpan& span = *file_out_;
  const std::uint64_t at = span.offset + file_sent_;
  if (!shared_->disk || at + length <= file_cached_to_ || !span.file->mapped().empty()) return true;
  const int fd = span.file->fd();
  if (span_cached(fd, static_cast<off_t>(at), static_cast<std::size_t>(length))) {
    file_cached_to_ = at + length;
    return true;
  }
  ++shared_->cold_file_reads;
  clear_deadline();  // the peer is not the one keeping us waiting; set again when sending resumes
  // The session waits (nothing else is in flight) while a pool thread reads;
  // `self` moves on to the I/O thread with the continuation, so the last
  // reference never drops on the pool.
  // The work guard keeps the loop running (server stop waits for it) until the continuation is back.
  net::post(*shared_->disk, [self = this->shared_from_this(), work = net::make_work_guard(*executor_), file = span.file,
                             keep_alive, at, length]() mutable {
    load_span(file->fd(), static_cast<off_t>(at), static_cast<std::size_t>(length));  // failures show in the send
    auto executor = *self->executor_;
    net::post(executor, [self = std::move(self), work = std::move(work), keep_alive, end = at + length] {
      self->file_cached_to_ = end;
      self->send_file_part(keep_alive);
    });
  });
  return false;
}

template <class Stream>
void Session<Stream>::wait_writable(bool keep_alive) {
  // Under the deadline send_file_part() set; the sweep closes the socket when it passes.
  socket().async_wait(net::ip::tcp::socket::wait_write,
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec) {
                        if (ec && self->timed_out_) {
                          self->shared_->log.info("http", "write timeout remote={} limit_seconds={} (file)",
                                                  self->client_.address, self->shared_->limits.write_timeout_seconds);
                          if (self->shared_->on_reject) self->shared_->on_reject("write_timeout");
                          return self->finish_file(keep_alive, ec);  // as it is: counted once, here
                        }
                        if (ec) return self->finish_file(keep_alive, ec);
                        self->send_file_part(keep_alive);
                      });
}

template <class Stream>
void Session<Stream>::finish_file(bool keep_alive, beast::error_code ec) {
  file_out_.reset();
  std::string().swap(file_chunk_);
  on_write(ec, keep_alive);
}

template void Session<PlainHttpStream>::begin_file_response(bool);
template void Session<PlainHttpStream>::send_file_part(bool);
template void Session<PlainHttpStream>::wait_writable(bool);
template void Session<PlainHttpStream>::finish_file(bool, boost::beast::error_code);
template bool Session<PlainHttpStream>::file_bytes_ready(bool, std::uint64_t);
template bool Session<core::TlsStream>::file_bytes_ready(bool, std::uint64_t);
template void Session<core::TlsStream>::begin_file_response(bool);
template void Session<core::TlsStream>::send_file_part(bool);
template void Session<core::TlsStream>::wait_writable(bool);
template void Session<core::TlsStream>::finish_file(bool, boost::beast::error_code);

}  // namespace tidecast::http
