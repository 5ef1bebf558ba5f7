// fft_runtime: see fft_runtime.h.
#include "kernels/fft_runtime.h"

#include <condition_variable>
#include <exception>
#include <thread>
#include <utility>

namespace predann::fft {

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

}  // namespace predann::fft
