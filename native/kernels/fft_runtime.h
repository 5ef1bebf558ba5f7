// fft_runtime: where the fast FFT engine's parallel work runs, and the buffers it keeps between
// calls. Both exist because of measurements on the 2-core development VMs:
//   * run_on_openmp_host: libgomp keeps a team of worker threads per master thread and lets them
//     spin for a while after each parallel region. Node runs each async call on any of its libuv
//     threads, so the spinning teams of earlier calls took the cores from the next call (a
//     recording took 110 ms instead of 67 ms). Running every region from one persistent thread
//     means one team.
//   * Pool / Borrowed: megabytes of fresh memory per call cost more than the transforms, because
//     first-touch page faults cost 5–20 µs each there (37 MB of fresh pages: 50–170 ms).
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace predann::fft {

// Runs `job` on the one thread that hosts the engine's OpenMP regions and waits for it; rethrows
// what `job` threw. Calls from several threads run one after another (the cores would serialise
// them anyway). Not reentrant: `job` must not call it again.
void run_on_openmp_host(const std::function<void()>& job);

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
