#include "core/url_signer.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/temp_dir.hpp"

using namespace tidecast::core;

namespace {
const std::string kKey(32, 'k');
constexpr std::string_view kPrefix = "/vod/abc123/";
}  // namespace

TEST_CASE("base64url has no padding and the URL-safe alphabet") {
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("fo") == "Zm8");
  CHECK(base64url("foo") == "Zm9v");
  CHECK(base64url("\xfb\xff") == "-_8");
}

TEST_CASE("a signed segment verifies until it expires") {
  const UrlSigner signer(kKey);
  const std::string segment = signer.segment(kPrefix, 2000);
  CHECK(segment.starts_with("~2000-"));
  CHECK(segment.size() == 6 + 43);
  CHECK(signer.signed_base(kPrefix, 2000) == std::string(kPrefix) + segment + "/");
  CHECK(signer.verify(kPrefix, segment, 1999) == SignatureCheck::ok);
  CHECK(signer.verify(kPrefix, segment, 2000) == SignatureCheck::expired);
  CHECK(signer.verify(kPrefix, segment, 5000) == SignatureCheck::expired);
}

TEST_CASE("tampering with the signature, the expiry or the prefix is caught") {
  const UrlSigner signer(kKey);
  std::string segment = signer.segment(kPrefix, 2000);
  std::string flipped = segment;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  CHECK(signer.verify(kPrefix, flipped, 1000) == SignatureCheck::bad_signature);
  std::string later = segment;
  later.replace(1, 4, "9000");  // same length, later expiry
  CHECK(signer.verify(kPrefix, later, 1000) == SignatureCheck::bad_signature);
  CHECK(signer.verify("/vod/other1/", segment, 1000) == SignatureCheck::bad_signature);
  CHECK(UrlSigner(std::string(32, 'x')).verify(kPrefix, segment, 1000) == SignatureCheck::bad_signature);
}

TEST_CASE("malformed segments are rejected without a MAC") {
  const UrlSigner signer(kKey);
  const std::string sig = signer.segment(kPrefix, 2000).substr(6);
  for (const std::string& bad :
       {std::string(""), std::string("~"), std::string("2000-") + sig, "~-" + sig, "~2000" + sig, "~20a0-" + sig,
        "~02000-" + sig, "~2000-" + sig.substr(1), "~2000-" + sig + "A", "~2000-" + sig.substr(0, 42) + "=",
        "~99999999999999999999-" + sig, "~-5-" + sig, std::string("~x-y")}) {
    CAPTURE(bad);
    CHECK(signer.verify(kPrefix, bad, 1000) == SignatureCheck::malformed);
  }
  CHECK_THROWS(UrlSigner("short"));
}

TEST_CASE("the signing key file is created once with mode 0600") {
  tidecast::test::TempDir dir;
  const auto file = dir.path() / "url_signing.key";
  const std::string key = load_or_create_signing_key(file);
  CHECK(key.size() == 32);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(load_or_create_signing_key(file) == key);
  std::ofstream(file, std::ios::trunc) << "short";
  CHECK_THROWS_AS(load_or_create_signing_key(file), std::runtime_error);
}
