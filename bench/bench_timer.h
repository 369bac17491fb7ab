#pragma once
// Timing for benchmarks: median of repeats after one warm-up, printed as a JSON line that
// bench/compare.py joins with the PyTorch peer's line of the same name.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace hone::bench {

inline int repeats() {
  const char* v = std::getenv("BENCH_REPEATS");
  return v ? std::max(1, std::atoi(v)) : 7;
}

template <class Step>
double median_ms(Step&& step) {
  step();  // warm-up: first-touch pages, arena measuring pass
  std::vector<double> times;
  for (int i = 0; i < repeats(); ++i) {
    auto start = std::chrono::steady_clock::now();
    step();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// sgemm_ref names the raw-sgemm case whose rate this case is compared with.
inline void report(const std::string& name, double ms, double flops = 0, const std::string& sgemm_ref = "") {
  std::printf("{\"name\": \"%s\", \"ms\": %.6f, \"flops\": %.1f, \"sgemm_ref\": \"%s\"}\n", name.c_str(), ms, flops,
              sgemm_ref.c_str());
  std::fflush(stdout);
}

}  // namespace hone::bench
