#pragma once
// The CPU pool: decode/scale/encode/package work runs here, never on the I/O
// threads, so a slow encoder cannot stall a socket.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <utility>

namespace tidecast::core {

class CpuPool {
 public:
  // threads == 0 picks the number of hardware threads.
  explicit CpuPool(std::size_t threads);
  ~CpuPool();
  CpuPool(const CpuPool&) = delete;
  CpuPool& operator=(const CpuPool&) = delete;

  template <class Task>
  void post(Task&& task) {
    boost::asio::post(pool_, std::forward<Task>(task));
  }
  std::size_t size() const { return size_; }
  boost::asio::thread_pool::executor_type executor() { return pool_.get_executor(); }
  // Finishes queued work and joins the threads.
  void join();

 private:
  std::size_t size_;
  boost::asio::thread_pool pool_;
};

}  // namespace tidecast::core
