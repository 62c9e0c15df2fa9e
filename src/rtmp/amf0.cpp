#include "rtmp/amf0.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <stdexcept>

#include "rtmp/byte_io.hpp"
#include "rtmp/protocol_error.hpp"

namespace tidecast::rtmp {
namespace {

namespace marker {
constexpr std::uint8_t number = 0x00;
constexpr std::uint8_t boolean = 0x01;
constexpr std::uint8_t string = 0x02;
constexpr std::uint8_t object = 0x03;
constexpr std::uint8_t movieclip = 0x04;
constexpr std::uint8_t null = 0x05;
constexpr std::uint8_t undefined = 0x06;
constexpr std::uint8_t reference = 0x07;
constexpr std::uint8_t ecma_array = 0x08;
constexpr std::uint8_t object_end = 0x09;
constexpr std::uint8_t strict_array = 0x0A;
constexpr std::uint8_t date = 0x0B;
constexpr std::uint8_t long_string = 0x0C;
constexpr std::uint8_t unsupported = 0x0D;
constexpr std::uint8_t recordset = 0x0E;
constexpr std::uint8_t xml_document = 0x0F;
constexpr std::uint8_t typed_object = 0x10;
constexpr std::uint8_t avmplus = 0x11;
}  // namespace marker

[[noreturn]] void type_mismatch(AmfType expected, AmfType got) {
  throw ProtocolError(std::string("amf0: expected ") + amf_type_name(expected) + ", got " + amf_type_name(got));
}

class Decoder {
 public:
  Decoder(std::span<const std::uint8_t> in, std::size_t offset) : in_(in), pos_(offset) {}

  std::size_t position() const { return pos_; }
  bool at_end() const { return pos_ >= in_.size(); }

  AmfValue value(std::size_t depth) {
    if (depth > amf0_max_depth) {
      throw ProtocolError("amf0: nesting deeper than " + std::to_string(amf0_max_depth) + " levels");
    }
    if (++values_ > amf0_max_values) {
      throw ProtocolError("amf0: more than " + std::to_string(amf0_max_values) + " values in one message");
    }
    const std::uint8_t type = take(1, "marker")[0];
    switch (type) {
      case marker::number:
        return AmfValue(number());
      case marker::boolean:
        return AmfValue(take(1, "boolean")[0] != 0);
      case marker::string:
        return AmfValue(text(bytes::be16(take(2, "string length").data()), "string"));
      case marker::long_string:
        return AmfValue(text(bytes::be32(take(4, "long string length").data()), "long string"));
      case marker::object:
        return AmfValue::object(properties(depth));
      case marker::null:
        return AmfValue::null();
      case marker::undefined:
      case marker::unsupported:
        return AmfValue::undefined();
      case marker::ecma_array: {
        take(4, "ecma array count");  // a hint only: the entries run to the end marker
        return AmfValue::ecma_array(properties(depth));
      }
      case marker::object_end:
        return AmfValue::object_end();
      case marker::strict_array:
        return strict_array(depth);
      case marker::date: {
        const double ms = number();
        const auto tz = static_cast<std::int16_t>(bytes::be16(take(2, "date timezone").data()));
        return AmfValue::date(ms, tz);
      }
      case marker::movieclip:
      case marker::recordset:
        throw ProtocolError("amf0: reserved marker " + std::to_string(type));
      case marker::reference:
        throw ProtocolError("amf0: object references are not supported");
      case marker::xml_document:
        throw ProtocolError("amf0: XML documents are not supported");
      case marker::typed_object:
        throw ProtocolError("amf0: typed objects are not supported");
      case marker::avmplus:
        throw ProtocolError("amf0: AMF3 values (avmplus marker 0x11) are not supported");
      default:
        throw ProtocolError("amf0: unknown marker " + std::to_string(type));
    }
  }

 private:
  std::span<const std::uint8_t> take(std::size_t n, const char* what) {
    if (in_.size() - pos_ < n) {
      throw ProtocolError(std::string("amf0: truncated ") + what + " (need " + std::to_string(n) + " bytes, " +
                          std::to_string(in_.size() - pos_) + " left)");
    }
    const auto out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  double number() {
    const auto raw = take(8, "number");
    return std::bit_cast<double>(std::uint64_t{bytes::be32(raw.data())} << 32 | bytes::be32(raw.data() + 4));
  }

  std::string text(std::size_t length, const char* what) {
    const auto raw = take(length, what);
    return std::string(raw.begin(), raw.end());
  }

  // Name/value pairs up to the 00 00 09 end marker (objects and ECMA arrays).
  AmfObject properties(std::size_t depth) {
    AmfObject out;
    for (;;) {
      const std::size_t name_length = bytes::be16(take(2, "property name length").data());
      if (name_length == 0 && pos_ < in_.size() && in_[pos_] == marker::object_end) {
        ++pos_;
        return out;
      }
      std::string name = text(name_length, "property name");
      AmfValue v = value(depth + 1);
      out.emplace_back(std::move(name), std::move(v));
    }
  }

  AmfValue strict_array(std::size_t depth) {
    const std::uint32_t count = bytes::be32(take(4, "strict array count").data());
    // Every item takes at least one byte, so a count beyond the input is a lie.
    if (count > in_.size() - pos_) {
      throw ProtocolError("amf0: strict array claims " + std::to_string(count) + " items but only " +
                          std::to_string(in_.size() - pos_) + " bytes are left");
    }
    AmfArray items;
    items.reserve(std::min<std::size_t>(count, 1024));
    for (std::uint32_t i = 0; i < count; ++i) items.push_back(value(depth + 1));
    return AmfValue::strict_array(std::move(items));
  }

  std::span<const std::uint8_t> in_;
  std::size_t pos_;
  std::size_t values_ = 0;
};

void put_double(std::vector<std::uint8_t>& out, double v) {
  const auto raw = std::bit_cast<std::uint64_t>(v);
  bytes::put_be32(out, static_cast<std::uint32_t>(raw >> 32));
  bytes::put_be32(out, static_cast<std::uint32_t>(raw));
}

void put_name(std::vector<std::uint8_t>& out, const std::string& name) {
  if (name.size() > 0xFFFF) throw std::length_error("amf0: property name of " + std::to_string(name.size()) + " bytes");
  bytes::put_be16(out, static_cast<std::uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
}

std::uint32_t checked_count(std::size_t n, const char* what) {
  if (n > 0xFFFFFFFFu) throw std::length_error(std::string("amf0: ") + what + " too long to encode");
  return static_cast<std::uint32_t>(n);
}

void put_properties(std::vector<std::uint8_t>& out, const AmfObject& properties) {
  for (const auto& [name, v] : properties) {
    put_name(out, name);
    amf0_encode(v, out);
  }
  out.insert(out.end(), {0x00, 0x00, marker::object_end});
}

void append_quoted(std::string& out, const std::string& s) {
  out.push_back('"');
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

void render(const AmfValue& v, std::string& out, std::size_t max_chars) {
  if (out.size() > max_chars) return;
  switch (v.type()) {
    case AmfType::number: {
      char buf[32];
      const auto result = std::to_chars(buf, buf + sizeof buf, std::get<double>(v.value));
      out.append(buf, result.ptr);
      break;
    }
    case AmfType::boolean:
      out += std::get<bool>(v.value) ? "true" : "false";
      break;
    case AmfType::string:
      append_quoted(out, std::get<std::string>(v.value));
      break;
    case AmfType::null:
      out += "null";
      break;
    case AmfType::undefined:
      out += "undefined";
      break;
    case AmfType::object_end:
      out += "<object end>";
      break;
    case AmfType::date: {
      out += "date(";
      render(AmfValue(std::get<AmfDate>(v.value).milliseconds), out, max_chars);
      out += ")";
      break;
    }
    case AmfType::object:
    case AmfType::ecma_array: {
      out += v.is_ecma_array() ? "ecma{" : "{";
      bool first = true;
      for (const auto& [name, item] : v.as_object()) {
        if (out.size() > max_chars) break;
        if (!first) out += ",";
        first = false;
        append_quoted(out, name);
        out += ":";
        render(item, out, max_chars);
      }
      out += "}";
      break;
    }
    case AmfType::strict_array: {
      out += "[";
      bool first = true;
      for (const auto& item : v.as_strict_array()) {
        if (out.size() > max_chars) break;
        if (!first) out += ",";
        first = false;
        render(item, out, max_chars);
      }
      out += "]";
      break;
    }
  }
}

}  // namespace

const char* amf_type_name(AmfType type) {
  switch (type) {
    case AmfType::number:
      return "number";
    case AmfType::boolean:
      return "boolean";
    case AmfType::string:
      return "string";
    case AmfType::object:
      return "object";
    case AmfType::null:
      return "null";
    case AmfType::undefined:
      return "undefined";
    case AmfType::ecma_array:
      return "ecma array";
    case AmfType::strict_array:
      return "strict array";
    case AmfType::date:
      return "date";
    case AmfType::object_end:
      return "object end";
  }
  return "unknown";
}

AmfValue AmfValue::object(AmfObject properties) {
  AmfValue v;
  v.value = std::move(properties);
  return v;
}

AmfValue AmfValue::ecma_array(AmfObject entries) {
  return AmfValue(AmfEcmaArray{std::move(entries)});
}

AmfValue AmfValue::strict_array(AmfArray items) {
  return AmfValue(AmfStrictArray{std::move(items)});
}

double AmfValue::as_number() const {
  if (!is_number()) type_mismatch(AmfType::number, type());
  return std::get<double>(value);
}

bool AmfValue::as_boolean() const {
  if (!is_boolean()) type_mismatch(AmfType::boolean, type());
  return std::get<bool>(value);
}

const std::string& AmfValue::as_string() const {
  if (!is_string()) type_mismatch(AmfType::string, type());
  return std::get<std::string>(value);
}

const AmfDate& AmfValue::as_date() const {
  if (!is_date()) type_mismatch(AmfType::date, type());
  return std::get<AmfDate>(value);
}

const AmfObject& AmfValue::as_object() const {
  if (is_ecma_array()) return std::get<AmfEcmaArray>(value).entries;
  if (!is_object()) type_mismatch(AmfType::object, type());
  return std::get<AmfObject>(value);
}

const AmfArray& AmfValue::as_strict_array() const {
  if (!is_strict_array()) type_mismatch(AmfType::strict_array, type());
  return std::get<AmfStrictArray>(value).items;
}

const AmfValue* AmfValue::get(std::string_view key) const {
  if (!is_object() && !is_ecma_array()) return nullptr;
  for (const auto& [name, v] : as_object()) {
    if (name == key) return &v;
  }
  return nullptr;
}

std::string AmfValue::string_or(std::string_view key, std::string_view fallback) const {
  const AmfValue* v = get(key);
  return v != nullptr && v->is_string() ? v->as_string() : std::string(fallback);
}

double AmfValue::number_or(std::string_view key, double fallback) const {
  const AmfValue* v = get(key);
  return v != nullptr && v->is_number() ? v->as_number() : fallback;
}

bool operator==(const AmfValue& a, const AmfValue& b) {
  return a.value == b.value;
}
bool operator==(const AmfDate& a, const AmfDate& b) {
  return a.milliseconds == b.milliseconds && a.timezone == b.timezone;
}
bool operator==(const AmfEcmaArray& a, const AmfEcmaArray& b) {
  return a.entries == b.entries;
}
bool operator==(const AmfStrictArray& a, const AmfStrictArray& b) {
  return a.items == b.items;
}

std::vector<AmfValue> amf0_decode_all(std::span<const std::uint8_t> in) {
  Decoder decoder(in, 0);
  std::vector<AmfValue> out;
  while (!decoder.at_end()) out.push_back(decoder.value(0));
  return out;
}

AmfValue amf0_decode_one(std::span<const std::uint8_t> in, std::size_t& offset) {
  if (offset > in.size()) throw std::out_of_range("amf0_decode_one: offset past the end of the input");
  Decoder decoder(in, offset);
  AmfValue v = decoder.value(0);
  offset = decoder.position();
  return v;
}

void amf0_encode(const AmfValue& value, std::vector<std::uint8_t>& out) {
  switch (value.type()) {
    case AmfType::number:
      out.push_back(marker::number);
      put_double(out, std::get<double>(value.value));
      break;
    case AmfType::boolean:
      out.push_back(marker::boolean);
      out.push_back(std::get<bool>(value.value) ? 1 : 0);
      break;
    case AmfType::string: {
      const auto& s = std::get<std::string>(value.value);
      if (s.size() <= 0xFFFF) {
        out.push_back(marker::string);
        bytes::put_be16(out, static_cast<std::uint32_t>(s.size()));
      } else {
        out.push_back(marker::long_string);
        bytes::put_be32(out, checked_count(s.size(), "long string"));
      }
      out.insert(out.end(), s.begin(), s.end());
      break;
    }
    case AmfType::object:
      out.push_back(marker::object);
      put_properties(out, std::get<AmfObject>(value.value));
      break;
    case AmfType::null:
      out.push_back(marker::null);
      break;
    case AmfType::undefined:
      out.push_back(marker::undefined);
      break;
    case AmfType::ecma_array: {
      const auto& entries = std::get<AmfEcmaArray>(value.value).entries;
      out.push_back(marker::ecma_array);
      bytes::put_be32(out, checked_count(entries.size(), "ecma array"));
      put_properties(out, entries);
      break;
    }
    case AmfType::strict_array: {
      const auto& items = std::get<AmfStrictArray>(value.value).items;
      out.push_back(marker::strict_array);
      bytes::put_be32(out, checked_count(items.size(), "strict array"));
      for (const auto& item : items) amf0_encode(item, out);
      break;
    }
    case AmfType::date: {
      const auto& date = std::get<AmfDate>(value.value);
      out.push_back(marker::date);
      put_double(out, date.milliseconds);
      bytes::put_be16(out, static_cast<std::uint16_t>(date.timezone));
      break;
    }
    case AmfType::object_end:
      out.push_back(marker::object_end);
      break;
  }
}

std::vector<std::uint8_t> amf0_encode_all(const std::vector<AmfValue>& values) {
  std::vector<std::uint8_t> out;
  for (const auto& v : values) amf0_encode(v, out);
  return out;
}

std::string amf0_to_string(const AmfValue& value, std::size_t max_chars) {
  std::string out;
  render(value, out, max_chars);
  if (out.size() > max_chars) {
    out.resize(max_chars);
    out += "...";
  }
  return out;
}

}  // namespace tidecast::rtmp
