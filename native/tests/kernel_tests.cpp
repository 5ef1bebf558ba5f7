// kernel_tests: runs every PREDANN_TEST in native/tests/test_*.cpp (or those whose name contains
// argv[1]); one line per test, then "N passed, N failed"; exit status 1 if any failed.
#include <cstdio>
#include <cstring>
#include <exception>

#include "tests/check.h"

int main(int argc, char** argv) {
  int passed = 0, failed = 0;
  for (const auto& [name, fn] : predann::test::Registry::instance().tests) {
    if (argc > 1 && std::strstr(name.c_str(), argv[1]) == nullptr) continue;
    try {
      fn();
      ++passed;
      std::printf("ok   %s\n", name.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s: %s\n", name.c_str(), e.what());
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
