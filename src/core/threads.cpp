#include "core/threads.h"

#include <cblas.h>
#include <omp.h>

#include <cstdlib>
#include <thread>

#include "core/error.h"

namespace hone {
namespace {
int default_threads() {
  for (const char* name : {"HONE_THREADS", "OMP_NUM_THREADS"}) {
    if (const char* v = std::getenv(name)) {
      int n = std::atoi(v);
      if (n > 0) return n;
    }
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

int& current() {
  static int n = [] {
    int d = default_threads();
    omp_set_num_threads(d);
    openblas_set_num_threads(d);
    return d;
  }();
  return n;
}
}  // namespace

void set_num_threads(int n) {
  HONE_CHECK(n > 0, "thread count must be positive, got ", n);
  current() = n;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int num_threads() { return current(); }

}  // namespace hone
