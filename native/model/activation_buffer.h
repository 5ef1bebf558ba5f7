// activation_buffer: the float buffers that hold a batch's activations (GBs at batch 48), backed by
// 2-MiB transparent huge pages where the OS offers them.
//
// Why: on small VMs the first touch of a fresh 4-KiB page costs 5–20 µs, so the first training
// step of the paper model at batch 48 (11 GB of activations) spent 56 of its 78 s in page faults.
// Linux with transparent_hugepage=madvise (a common default) backs a region with huge pages only
// when asked: allocations of 4 MiB and more are aligned to 2 MiB and marked MADV_HUGEPAGE, which
// cuts the faults 512-fold. Elsewhere, or for small sizes, it is plain operator new.
#pragma once
#include <cstddef>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace predann {

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static constexpr std::size_t kFromBytes = std::size_t{4} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kFromBytes) return static_cast<T*>(::operator new(bytes));
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = ::operator new(rounded, std::align_val_t{kHugePage});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure only means small pages
#endif
    return static_cast<T*>(p);
  }

  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) < kFromBytes) return ::operator delete(p);
    ::operator delete(p, std::align_val_t{kHugePage});
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const { return false; }
};

using ActivationBuffer = std::vector<float, HugePageAllocator<float>>;

}  // namespace predann
