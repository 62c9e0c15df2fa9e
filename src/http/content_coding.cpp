#include "http/content_coding.hpp"

#include <algorithm>
#include <cctype>

namespace tidecast::http {

namespace {

constexpr int kUnlisted = -1;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// A qvalue ("0", "0.5", "1.000") in thousandths; -1 when malformed.
int parse_qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return -1;
  int value = (text[0] - '0') * 1000;
  if (text.size() == 1) return value;
  if (text[1] != '.' || text.size() > 5) return -1;
  int scale = 100;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9') return -1;
    value += (c - '0') * scale;
    scale /= 10;
  }
  return value > 1000 ? -1 : value;
}

// The q of each coding the header names (thousandths), kUnlisted if absent.
struct Weights {
  int gzip = kUnlisted;
  int br = kUnlisted;
  int identity = kUnlisted;
  int any = kUnlisted;  // "*"
};

Weights parse_weights(std::string_view header) {
  Weights weights;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    const std::size_t semicolon = item.find(';');
    const std::string_view name = trim(item.substr(0, semicolon));
    int q = 1000;
    if (semicolon != std::string_view::npos) {
      std::string_view params = item.substr(semicolon + 1);
      while (!params.empty()) {
        const std::size_t next = params.find(';');
        const std::string_view param = trim(params.substr(0, next));
        params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
        if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
          q = parse_qvalue(trim(param.substr(2)));
        }
      }
    }
    if (q < 0 || name.empty()) continue;  // malformed: as if not sent
    int* slot = nullptr;
    if (iequals(name, "br")) {
      slot = &weights.br;
    } else if (iequals(name, "gzip") || iequals(name, "x-gzip")) {
      slot = &weights.gzip;
    } else if (iequals(name, "identity")) {
      slot = &weights.identity;
    } else if (name == "*") {
      slot = &weights.any;
    }
    if (slot) *slot = std::max(*slot, q);
  }
  return weights;
}

}  // namespace

ContentCoding choose_content_coding(std::string_view accept_encoding, AvailableCodings available) {
  const Weights w = parse_weights(accept_encoding);
  const auto weight = [&](int named) { return named != kUnlisted ? named : (w.any != kUnlisted ? w.any : 0); };
  ContentCoding best = ContentCoding::identity;
  // Identity not named (nor by "*") ranks below every accepted coding.
  int best_q = w.identity != kUnlisted ? w.identity : (w.any != kUnlisted ? w.any : 0);
  // Candidates in reverse preference, so a tie goes to the later (better) one.
  if (available.gzip && weight(w.gzip) > 0 && weight(w.gzip) >= best_q) {
    best = ContentCoding::gzip;
    best_q = weight(w.gzip);
  }
  if (available.br && weight(w.br) > 0 && weight(w.br) >= best_q) best = ContentCoding::br;
  return best;
}

std::string_view content_coding_name(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::gzip:
      return "gzip";
    case ContentCoding::br:
      return "br";
    case ContentCoding::identity:
      break;
  }
  return {};
}

}  // namespace tidecast::http
