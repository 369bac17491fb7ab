#include "backend/cpu/dropout_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "backend/dispatch.h"
#include "core/rng.h"

namespace hone::cpu {

void apply_dropout_mask(const char* kernel, const Tensor& in, const Tensor& out, double p, uint64_t seed,
                        uint64_t stream) {
  HONE_CHECK(p >= 0.0 && p < 1.0, kernel, ": dropout probability must lie in [0, 1), got ", p);
  HONE_CHECK(in.shape() == out.shape(), kernel, ": shapes differ: ", in.describe(), " and ", out.describe());
  HONE_CHECK(in.is_contiguous() && out.is_contiguous(), kernel, ": contiguous tensors expected, got ", in.describe(),
             " and ", out.describe());
  dispatch_float(common_dtype(kernel, {&in, &out}), kernel, [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* src = in.data<scalar_t>();
    scalar_t* dst = out.data<scalar_t>();
    const int64_t n = in.numel();
    if (p == 0.0) {
      if (src != dst) std::memmove(dst, src, static_cast<size_t>(n) * sizeof(scalar_t));
      return;
    }
    // random_uniform is (u32 >> 8) / 2^24, so uniform >= p <=> (u32 >> 8) >= ceil(p * 2^24): the same
    // test in integers, without a conversion per element.
    const uint32_t threshold = static_cast<uint32_t>(std::ceil(p * 16777216.0));
    const scalar_t keep_scale = static_cast<scalar_t>(1.0 / (1.0 - p));
    // One Philox block yields the four words of elements 4b..4b+3.
    const int64_t blocks = (n + 3) / 4;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t b = 0; b < blocks; ++b) {
      const auto words = Philox::block(seed, stream, static_cast<uint64_t>(b));
      const int64_t i0 = b * 4, count = std::min<int64_t>(4, n - i0);
      for (int64_t k = 0; k < count; ++k) {
        const bool keep = (words[k] >> 8) >= threshold;
        dst[i0 + k] = keep ? src[i0 + k] * keep_scale : scalar_t(0);
      }
    }
  });
}

}  // namespace hone::cpu
