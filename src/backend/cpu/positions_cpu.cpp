#include "backend/cpu/positions_cpu.h"

namespace hone::cpu {

void segment_positions(const Tensor& segments, const Tensor& positions) {
  HONE_CHECK(positions.dim() == 2 && positions.dtype() == DType::I32 && positions.is_contiguous(),
             "segment_positions: positions must be contiguous I32 [batch, length], got ", positions.describe());
  if (segments.defined()) {
    HONE_CHECK(segments.dtype() == DType::I32 && segments.is_contiguous() && segments.shape() == positions.shape(),
               "segment ids must be contiguous I32 ", shape_str(positions.shape()), ", got ", segments.describe());
  }
  const int64_t batch = positions.size(0), length = positions.size(1);
  int32_t* out = positions.data<int32_t>();
  const int32_t* seg = segments.defined() ? segments.data<int32_t>() : nullptr;
#pragma omp parallel for schedule(static) if (batch * length > 65536)
  for (int64_t b = 0; b < batch; ++b) {
    int64_t start = 0;
    for (int64_t t = 0; t < length; ++t) {
      const int64_t i = b * length + t;
      if (seg && t > 0 && seg[i] != seg[i - 1]) start = t;
      out[i] = static_cast<int32_t>(t - start);
    }
  }
}

}  // namespace hone::cpu
