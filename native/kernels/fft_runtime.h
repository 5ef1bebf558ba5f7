// fft_runtime: the buffers the fast FFT engine keeps between calls. Megabytes of fresh memory per
// call cost more than the transforms on the 2-core development VMs, because first-touch page
// faults cost 5–20 µs each there (37 MB of fresh pages: 50–170 ms). (Where the engine's parallel
// work runs is kernels/parallel.h.)
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace predann::fft {

// Objects kept between calls and lent to one user at a time; the pool grows to the number of
// concurrent users and keeps their memory (a few MB each) for the life of the process.
template <typename T>
class Pool {
 public:
  std::unique_ptr<T> acquire() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return std::make_unique<T>();
    std::unique_ptr<T> item = std::move(free_.back());
    free_.pop_back();
    return item;
  }
  void release(std::unique_ptr<T> item) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(item));
  }

  static Pool& instance() {
    static Pool pool;
    return pool;
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<T>> free_;
};

// A T borrowed from its pool for the lifetime of this object.
template <typename T>
class Borrowed {
 public:
  Borrowed() : item_(Pool<T>::instance().acquire()) {}
  ~Borrowed() { Pool<T>::instance().release(std::move(item_)); }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
  T& operator*() { return *item_; }
  T* operator->() { return item_.get(); }

 private:
  std::unique_ptr<T> item_;
};

}  // namespace predann::fft
