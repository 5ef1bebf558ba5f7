// fft: the planner and plan cache (see fft.h).
#include "kernels/fft.h"

#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include "kernels/fft_bluestein.h"
#include "kernels/fft_four_step.h"

namespace predann::fft {

namespace {

class FourStepDFT final : public WindowedDFT {
 public:
  FourStepDFT(int64_t n, int64_t start, int64_t count, int sign, int64_t l, bool pruned)
      : WindowedDFT(n, start, count, sign), core_(n, l, start, count, pruned) {}

  void execute(const Source& in, double* out_re, double* out_im, double scale, Workspace& ws) const override {
    core_.columns_forward(in, sign_, ws);
    Sink sink;
    sink.re = out_re;
    sink.im = out_im;
    sink.start = start_;
    sink.count = count_;
    sink.modulus = n_;
    sink.scale = scale;
    core_.rows_to_sink(sign_, sink, ws);
  }
  Workspace::Size workspace_size() const override { return core_.workspace_size(); }
  std::string describe() const override { return core_.describe(); }

 private:
  FourStep core_;
};

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> small, large;
  for (int64_t d = 1; d * d <= n; ++d) {
    if (n % d != 0) continue;
    small.push_back(d);
    if (d * d != n) large.push_back(n / d);
  }
  small.insert(small.end(), large.rbegin(), large.rend());
  return small;
}

struct Split {
  int64_t l = 1;
  bool pruned = false;
  double cost = std::numeric_limits<double>::infinity();
};

// The cheapest four-step split of n for this window.
Split best_split(int64_t n, int64_t start, int64_t count) {
  Split best;
  for (int64_t l : divisors(n)) {
    bool pruned = false;
    const double cost = FourStep::estimate(n, l, start, count, &pruned);
    if (cost < best.cost) best = {l, pruned, cost};
  }
  return best;
}

// Bluestein: two full FFTs of P plus the chirp and spectrum products.
double bluestein_cost(int64_t n, int64_t count, int64_t p, const Split& inner) {
  return 2.0 * inner.cost + 6.0 * static_cast<double>(p) / kLanes + 12.0 * static_cast<double>(n + count) / kLanes;
}

std::shared_ptr<const WindowedDFT> make_plan(int64_t n, int64_t start, int64_t count, int sign) {
  const Split direct = best_split(n, start, count);
  // Tiny lengths never pay for a chirp convolution; large prime factors always do.
  if (n > 64) {
    const int64_t p = next_smooth(n + count - 1);
    const Split inner = best_split(p, 0, p);
    if (bluestein_cost(n, count, p, inner) < direct.cost)
      return std::make_shared<BluesteinDFT>(n, start, count, sign, p, inner.l);
  }
  return std::make_shared<FourStepDFT>(n, start, count, sign, direct.l, direct.pruned);
}

}  // namespace

int64_t next_smooth(int64_t n) {
  for (int64_t m = std::max<int64_t>(n, 1);; ++m) {
    int64_t r = m;
    for (int64_t p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

std::shared_ptr<const WindowedDFT> plan_dft(int64_t n, int64_t start, int64_t count, int sign) {
  if (n < 1 || n > std::numeric_limits<int32_t>::max())
    throw std::invalid_argument("plan_dft: length must be between 1 and 2^31 - 1");
  if (count < 1 || count > n) throw std::invalid_argument("plan_dft: window count must be in 1..n");
  if (sign != -1 && sign != 1) throw std::invalid_argument("plan_dft: sign must be -1 or +1");
  start %= n;
  if (start < 0) start += n;
  using Key = std::tuple<int64_t, int64_t, int64_t, int>;
  static std::mutex mutex;
  static std::map<Key, std::shared_ptr<const WindowedDFT>> cache;
  const Key key{n, start, count, sign};
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  // Planning can take milliseconds for long lengths: do it outside the lock. Two threads asking
  // for the same new plan at once both build it, and the first one stored wins.
  auto plan = make_plan(n, start, count, sign);
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() >= 64) cache.clear();  // a bound for long-lived processes seeing many lengths
  return cache.emplace(key, std::move(plan)).first->second;
}

}  // namespace predann::fft
