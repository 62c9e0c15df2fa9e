#pragma once
// Runs the ffmpeg CLI quietly (no stdin, errors only, overwrite): tests make
// their input files with it. True when it exits with status 0.
#include <cstdlib>
#include <string>

namespace tidecast::test {

inline bool run_ffmpeg(const std::string& args) {
  return std::system(("ffmpeg -nostdin -v error -y " + args).c_str()) == 0;
}

}  // namespace tidecast::test
