#pragma once
// The server's TLS identity (certificate chain + private key) as an OpenSSL
// context shared by the HTTPS and RTMPS listeners. Each new connection takes
// the current context and keeps it for its lifetime, so reload() swaps the
// certificate for new connections without touching open ones.
#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>
#include <mutex>

#include "core/log.hpp"

namespace tidecast::core {

class TlsContext {
 public:
  // Loads the files now; throws std::runtime_error naming the file and the
  // OpenSSL reason (missing file, bad PEM, key not matching the certificate).
  TlsContext(Logger& log, std::filesystem::path certificate, std::filesystem::path private_key);

  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Re-reads the files (a renewed certificate); on failure logs the reason and
  // keeps serving the previous certificate. Returns whether it was replaced.
  bool reload();

 private:
  Logger& log_;
  std::filesystem::path certificate_;
  std::filesystem::path private_key_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace tidecast::core
