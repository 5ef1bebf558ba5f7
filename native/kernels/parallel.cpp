// parallel: see parallel.h.
#include "kernels/parallel.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace predann {

namespace {

class OpenMpHost {
 public:
  OpenMpHost() : thread_([this] { serve(); }) { thread_.detach(); }

  void run(const std::function<void()>& job) {
    std::lock_guard<std::mutex> one_at_a_time(serial_);
    std::unique_lock<std::mutex> lock(mutex_);
    job_ = &job;
    done_ = false;
    wake_.notify_all();
    wake_.wait(lock, [this] { return done_; });
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  void serve() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return job_ != nullptr; });
      const std::function<void()>* job = std::exchange(job_, nullptr);
      lock.unlock();
      std::exception_ptr error;
      try {
        (*job)();
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      error_ = error;
      done_ = true;
      wake_.notify_all();
    }
  }

  std::mutex serial_, mutex_;
  std::condition_variable wake_;
  const std::function<void()>* job_ = nullptr;
  std::exception_ptr error_;
  bool done_ = false;
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace

void run_on_openmp_host(const std::function<void()>& job) {
  static OpenMpHost* host = new OpenMpHost();  // never destroyed: its thread outlives static destructors
  host->run(job);
}

namespace {

int initial_thread_count() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

std::atomic<int> g_threads{0};  // 0: not set yet

}  // namespace

int thread_count() {
  const int n = g_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : initial_thread_count();
}

void set_thread_count(int n) {
  if (n > 0) g_threads.store(n, std::memory_order_relaxed);
}

}  // namespace predann
