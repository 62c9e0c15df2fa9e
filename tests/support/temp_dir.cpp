#include "support/temp_dir.hpp"

#include <stdexcept>
#include <string>

namespace tidecast::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tidecast-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace tidecast::test
