#pragma once
// Reads a JSON object into typed fields, naming the full key path in every
// error ("http.listen: expected ..."). Unknown keys are reported by finish(),
// so a typo in a config file fails loudly instead of being ignored.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tidecast/config.hpp"

namespace tidecast::core {

class JsonObjectReader {
 public:
  // `object` may be null (section absent): every field keeps its default.
  JsonObjectReader(const nlohmann::json* object, std::string path);

  void read(std::string_view key, std::string& out);
  void read(std::string_view key, bool& out);
  void read(std::string_view key, double& out, double min, double max);
  void read(std::string_view key, unsigned& out, unsigned min, unsigned max);
  void read(std::string_view key, std::size_t& out, std::size_t min, std::size_t max);
  void read(std::string_view key, int& out, int min, int max);
  void read(std::string_view key, std::vector<std::string>& out);
  JsonObjectReader section(std::string_view key);
  // An array of objects: one reader per element, named "key[i]" in errors.
  // Empty when the key is absent (nullopt) so callers can keep their default.
  std::optional<std::vector<JsonObjectReader>> object_array(std::string_view key);
  // Throws ConfigError naming the first key that no read() asked for.
  void finish() const;

  [[noreturn]] void fail(std::string_view key, std::string_view problem) const;
  std::string key_path(std::string_view key) const;

 private:
  const nlohmann::json* find(std::string_view key);

  const nlohmann::json* object_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace tidecast::core
