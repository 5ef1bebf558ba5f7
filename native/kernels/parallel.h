// parallel: how the kernels use the cores. Two facts measured on the 2-core development VMs
// decide it:
//   * libgomp keeps a team of worker threads per *calling* thread and lets them spin for a while
//     after each parallel region. Node runs each async call on any of its libuv threads, so the
//     spinning teams of earlier calls took the cores from the next call (a resample of one
//     recording took 110 ms instead of 67 ms). Every kernel therefore runs its OpenMP regions
//     from one persistent host thread: one team for the whole process.
//   * omp_set_num_threads() only sets the calling thread's value, which the worker threads never
//     see; the thread count is therefore one process-wide setting that kernels pass explicitly.
#pragma once
#include <functional>

namespace predann {

// Runs `job` on the one thread that hosts the kernels' OpenMP regions and waits for it; rethrows
// what `job` threw. Calls from several threads run one after another (the cores would serialise
// them anyway). Not reentrant: `job` must not call it again.
void run_on_openmp_host(const std::function<void()>& job);

// Threads for the kernels' parallel regions: OMP_NUM_THREADS (or all cores) until set.
int thread_count();
void set_thread_count(int n);

}  // namespace predann
