#include "backend/cpu/random_cpu.h"

#include "backend/dispatch.h"
#include "core/rng.h"

namespace hone::cpu {

void fill_normal(const Tensor& t, uint64_t seed, uint64_t stream, double mean, double stddev) {
  HONE_CHECK(t.is_contiguous(), "fill_normal: contiguous tensor expected, got ", t.describe());
  dispatch_float(t.dtype(), "fill_normal", [&](auto zero) {
    using scalar_t = decltype(zero);
    scalar_t* p = t.data<scalar_t>();
    const int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 16384)
    for (int64_t i = 0; i < n; ++i) {
      p[i] = static_cast<scalar_t>(mean + stddev * random_normal(seed, stream, static_cast<uint64_t>(i)));
    }
  });
}

void fill_uniform(const Tensor& t, uint64_t seed, uint64_t stream, double low, double high) {
  HONE_CHECK(t.is_contiguous(), "fill_uniform: contiguous tensor expected, got ", t.describe());
  dispatch_float(t.dtype(), "fill_uniform", [&](auto zero) {
    using scalar_t = decltype(zero);
    scalar_t* p = t.data<scalar_t>();
    const int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 16384)
    for (int64_t i = 0; i < n; ++i) {
      p[i] = static_cast<scalar_t>(low + (high - low) * random_uniform(seed, stream, static_cast<uint64_t>(i)));
    }
  });
}

}  // namespace hone::cpu
