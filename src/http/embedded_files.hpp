#pragma once
// Files from web/ compiled into the binary (see cmake/EmbedAssets.cmake).
#include <span>
#include <string_view>

namespace tidecast::http {

struct EmbeddedFile {
  std::string_view path;   // "/index.html"
  std::string_view bytes;  // static storage, lives as long as the process
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace tidecast::http
