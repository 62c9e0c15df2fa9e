#pragma once
// Names threads ("tc-io", "tc-cpu", ...), as top -H, ps -L, perf and
// /proc/<pid>/task/*/comm show them. Threads FFmpeg starts (x264's encoder
// threads) inherit the name of the thread that started them.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <latch>
#include <memory>
#include <string>
#include <string_view>

namespace tidecast::core {

// At most 15 characters are kept (the kernel's limit). Best effort.
void name_this_thread(std::string_view name);

// Names each of a thread pool's `threads` threads: one task per thread, each
// held until all have started, so that no thread takes two. Returns once done.
// `threads` must be the pool's size, and the pool idle: called from one of its
// own threads, or with fewer threads free, it would wait forever.
inline void name_pool_threads(boost::asio::thread_pool& pool, std::size_t threads, std::string_view name) {
  auto started = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(threads));
  for (std::size_t i = 0; i < threads; ++i) {
    boost::asio::post(pool, [started, name = std::string(name)] {
      name_this_thread(name);
      started->arrive_and_wait();
    });
  }
  started->wait();
}

}  // namespace tidecast::core
