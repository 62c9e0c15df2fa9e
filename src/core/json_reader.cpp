#include "core/json_reader.hpp"

#include <fmt/format.h>

namespace tidecast::core {

using nlohmann::json;

JsonObjectReader::JsonObjectReader(const json* object, std::string path) : object_(object), path_(std::move(path)) {
  if (object_ && !object_->is_object()) {
    throw ConfigError(fmt::format("{}: expected an object, got {}", path_.empty() ? "(root)" : path_, object_->dump()));
  }
}

std::string JsonObjectReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

void JsonObjectReader::fail(std::string_view key, std::string_view problem) const {
  throw ConfigError(fmt::format("{}: {}", key_path(key), problem));
}

const json* JsonObjectReader::find(std::string_view key) {
  seen_.emplace(key);
  if (!object_) return nullptr;
  const auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

void JsonObjectReader::read(std::string_view key, std::string& out) {
  const json* value = find(key);
  if (!value) return;
  if (!value->is_string()) fail(key, fmt::format("expected a string, got {}", value->dump()));
  out = value->get<std::string>();
}

void JsonObjectReader::read(std::string_view key, std::vector<std::string>& out) {
  const json* value = find(key);
  if (!value) return;
  if (!value->is_array()) fail(key, fmt::format("expected an array of strings, got {}", value->dump()));
  std::vector<std::string> items;
  for (const json& item : *value) {
    if (!item.is_string()) fail(key, fmt::format("expected an array of strings, got {}", value->dump()));
    items.push_back(item.get<std::string>());
  }
  out = std::move(items);
}

void JsonObjectReader::read(std::string_view key, bool& out) {
  const json* value = find(key);
  if (!value) return;
  if (!value->is_boolean()) fail(key, fmt::format("expected true or false, got {}", value->dump()));
  out = value->get<bool>();
}

void JsonObjectReader::read(std::string_view key, double& out, double min, double max) {
  const json* value = find(key);
  if (!value) return;
  if (!value->is_number()) fail(key, fmt::format("expected a number, got {}", value->dump()));
  const double number = value->get<double>();
  if (number < min || number > max)
    fail(key, fmt::format("expected a number from {} to {}, got {}", min, max, value->dump()));
  out = number;
}

void JsonObjectReader::read(std::string_view key, std::size_t& out, std::size_t min, std::size_t max) {
  const json* value = find(key);
  if (!value) return;
  if (!value->is_number_unsigned()) fail(key, fmt::format("expected a whole number >= 0, got {}", value->dump()));
  const auto number = value->get<std::uint64_t>();
  if (number < min || number > max)
    fail(key, fmt::format("expected a whole number from {} to {}, got {}", min, max, value->dump()));
  out = static_cast<std::size_t>(number);
}

void JsonObjectReader::read(std::string_view key, unsigned& out, unsigned min, unsigned max) {
  std::size_t wide = out;
  read(key, wide, min, max);
  out = static_cast<unsigned>(wide);
}

void JsonObjectReader::read(std::string_view key, int& out, int min, int max) {
  const json* value = find(key);
  if (!value) return;
  if (!value->is_number_integer()) fail(key, fmt::format("expected a whole number, got {}", value->dump()));
  const auto number = value->get<std::int64_t>();
  if (number < min || number > max)
    fail(key, fmt::format("expected a whole number from {} to {}, got {}", min, max, value->dump()));
  out = static_cast<int>(number);
}

std::optional<std::vector<JsonObjectReader>> JsonObjectReader::object_array(std::string_view key) {
  const json* value = find(key);
  if (!value) return std::nullopt;
  if (!value->is_array()) fail(key, fmt::format("expected an array, got {}", value->dump()));
  std::vector<JsonObjectReader> out;
  out.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i) {
    out.emplace_back(&(*value)[i], fmt::format("{}[{}]", key_path(key), i));
  }
  return out;
}

JsonObjectReader JsonObjectReader::section(std::string_view key) {
  return JsonObjectReader(find(key), key_path(key));
}

void JsonObjectReader::finish() const {
  if (!object_) return;
  for (const auto& [key, value] : object_->items()) {
    if (!seen_.contains(key)) throw ConfigError(fmt::format("{}: unknown key", key_path(key)));
  }
}

}  // namespace tidecast::core
