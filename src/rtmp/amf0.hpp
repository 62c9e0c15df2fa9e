#pragma once
// AMF0 (Adobe Action Message Format 0), the encoding of RTMP command and data
// messages: a value model plus a bounded decoder and an encoder.
//
// Building values:
//   AmfValue::object({{"level", "status"}, {"code", "NetStream.Publish.Start"}, {"clientid", 1}})
// Reading them:
//   if (const AmfValue* app = command_object.get("app"); app && app->is_string()) use(app->as_string());
// The as_*() accessors throw ProtocolError on a type mismatch, because the
// values come from the peer.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace tidecast::rtmp {

struct AmfValue;

// Object and ECMA array properties, in wire order (duplicates are kept).
using AmfObject = std::vector<std::pair<std::string, AmfValue>>;
using AmfArray = std::vector<AmfValue>;

struct AmfNull {};
struct AmfUndefined {};
// The 0x09 marker on its own (it normally only terminates an object).
struct AmfObjectEnd {};
struct AmfDate {
  double milliseconds = 0;    // since the Unix epoch, UTC
  std::int16_t timezone = 0;  // reserved by the spec; kept for round trips
};
// An ECMA array is an object with an associative-count prefix on the wire.
struct AmfEcmaArray {
  AmfObject entries;
};
struct AmfStrictArray {
  AmfArray items;
};

enum class AmfType { number, boolean, string, object, null, undefined, ecma_array, strict_array, date, object_end };

const char* amf_type_name(AmfType type);

struct AmfValue {
  using Variant = std::variant<double, bool, std::string, AmfObject, AmfNull, AmfUndefined, AmfEcmaArray,
                               AmfStrictArray, AmfDate, AmfObjectEnd>;

  AmfValue() : value(AmfNull{}) {}
  AmfValue(double v) : value(v) {}
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) AmfValue(T v) : value(static_cast<double>(v)) {}
  AmfValue(bool v) : value(v) {}
  AmfValue(const char* v) : value(v != nullptr ? Variant(std::string(v)) : Variant(AmfNull{})) {}
  AmfValue(std::nullptr_t) : value(AmfNull{}) {}
  AmfValue(std::string_view v) : value(std::string(v)) {}
  AmfValue(std::string v) : value(std::move(v)) {}
  AmfValue(AmfNull v) : value(v) {}
  AmfValue(AmfUndefined v) : value(v) {}
  AmfValue(AmfObjectEnd v) : value(v) {}
  AmfValue(AmfDate v) : value(v) {}
  AmfValue(AmfEcmaArray v) : value(std::move(v)) {}
  AmfValue(AmfStrictArray v) : value(std::move(v)) {}

  static AmfValue object(AmfObject properties);
  static AmfValue ecma_array(AmfObject entries);
  static AmfValue strict_array(AmfArray items);
  static AmfValue null() { return AmfValue(AmfNull{}); }
  static AmfValue undefined() { return AmfValue(AmfUndefined{}); }
  static AmfValue date(double milliseconds, std::int16_t timezone = 0) {
    return AmfValue(AmfDate{milliseconds, timezone});
  }
  static AmfValue object_end() { return AmfValue(AmfObjectEnd{}); }

  AmfType type() const { return static_cast<AmfType>(value.index()); }
  bool is_number() const { return type() == AmfType::number; }
  bool is_boolean() const { return type() == AmfType::boolean; }
  bool is_string() const { return type() == AmfType::string; }
  bool is_object() const { return type() == AmfType::object; }
  bool is_null() const { return type() == AmfType::null; }
  bool is_undefined() const { return type() == AmfType::undefined; }
  bool is_ecma_array() const { return type() == AmfType::ecma_array; }
  bool is_strict_array() const { return type() == AmfType::strict_array; }
  bool is_date() const { return type() == AmfType::date; }
  bool is_object_end() const { return type() == AmfType::object_end; }
  // Null or undefined: what clients put where "no value" is meant.
  bool is_nullish() const { return is_null() || is_undefined(); }

  // Throw ProtocolError("amf0: expected number, got string") on a mismatch.
  double as_number() const;
  bool as_boolean() const;
  const std::string& as_string() const;
  const AmfDate& as_date() const;
  // The properties of an object or the entries of an ECMA array.
  const AmfObject& as_object() const;
  const AmfArray& as_strict_array() const;

  // First property named `key` of an object or ECMA array; nullptr when absent
  // or when this is not an object.
  const AmfValue* get(std::string_view key) const;
  // Convenience for optional fields: the string/number at `key`, or `fallback`.
  std::string string_or(std::string_view key, std::string_view fallback) const;
  double number_or(std::string_view key, double fallback) const;

  friend bool operator==(const AmfValue& a, const AmfValue& b);

  Variant value;
};

bool operator==(const AmfDate& a, const AmfDate& b);
bool operator==(const AmfEcmaArray& a, const AmfEcmaArray& b);
bool operator==(const AmfStrictArray& a, const AmfStrictArray& b);
inline bool operator==(AmfNull, AmfNull) {
  return true;
}
inline bool operator==(AmfUndefined, AmfUndefined) {
  return true;
}
inline bool operator==(AmfObjectEnd, AmfObjectEnd) {
  return true;
}

// Decoder limits: nesting depth, and values per call (each at least one input
// byte, so this bounds memory at a small multiple of the input size).
inline constexpr std::size_t amf0_max_depth = 64;
inline constexpr std::size_t amf0_max_values = 1 << 18;

// Decodes the whole buffer as a sequence of values (a command or data message
// payload). Throws ProtocolError on truncation, unknown or unsupported markers
// (reference, typed object, AMF3 switch, ...), too deep nesting or too many values.
std::vector<AmfValue> amf0_decode_all(std::span<const std::uint8_t> in);
// Decodes one value starting at `offset` and advances it.
AmfValue amf0_decode_one(std::span<const std::uint8_t> in, std::size_t& offset);

// Appends the encoding of `value`. Strings over 65535 bytes become long strings.
// Throws std::length_error for a property name over 65535 bytes or a string or
// array over 2^32-1 elements (local bugs, not peer input).
void amf0_encode(const AmfValue& value, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> amf0_encode_all(const std::vector<AmfValue>& values);

// Compact JSON-like rendering for logs, cut at `max_chars` (with "...").
std::string amf0_to_string(const AmfValue& value, std::size_t max_chars = 512);

}  // namespace tidecast::rtmp
