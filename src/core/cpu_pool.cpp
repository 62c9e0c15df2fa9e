#include "core/cpu_pool.hpp"

#include "core/thread_name.hpp"

#include <thread>

namespace tidecast::core {

namespace {
std::size_t resolve_threads(std::size_t requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? hw : 1;
}
}  // namespace

CpuPool::CpuPool(std::size_t threads) : size_(resolve_threads(threads)), pool_(size_) {
  name_pool_threads(pool_, size_, "tc-cpu");
}

CpuPool::~CpuPool() { join(); }

void CpuPool::join() { pool_.join(); }

}  // namespace tidecast::core
