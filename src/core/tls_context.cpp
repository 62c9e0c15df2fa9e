#include "core/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace tidecast::core {

namespace ssl = boost::asio::ssl;

namespace {

std::shared_ptr<ssl::context> load_context(const std::filesystem::path& certificate,
                                           const std::filesystem::path& private_key) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 and 1.3 only; every current browser, OBS and ffmpeg speak them.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  context->use_certificate_chain_file(certificate.string(), ec);
  if (ec) throw std::runtime_error(fmt::format("tls.certificate {}: {}", certificate.string(), ec.message()));
  context->use_private_key_file(private_key.string(), ssl::context::pem, ec);
  if (ec) throw std::runtime_error(fmt::format("tls.private_key {}: {}", private_key.string(), ec.message()));
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    throw std::runtime_error(fmt::format("tls.private_key {}: does not match the certificate in {}",
                                         private_key.string(), certificate.string()));
  }
  return context;
}

}  // namespace

TlsContext::TlsContext(Logger& log, std::filesystem::path certificate, std::filesystem::path private_key)
    : log_(log),
      certificate_(std::move(certificate)),
      private_key_(std::move(private_key)),
      current_(load_context(certificate_, private_key_)) {}

std::shared_ptr<ssl::context> TlsContext::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool TlsContext::reload() {
  std::shared_ptr<ssl::context> fresh;
  try {
    fresh = load_context(certificate_, private_key_);
  } catch (const std::exception& e) {
    log_.error("tls", "reload failed, keeping the previous certificate: {}", e.what());
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    current_ = std::move(fresh);
  }
  log_.info("tls", "certificate reloaded from {}", certificate_.string());
  return true;
}

}  // namespace tidecast::core
