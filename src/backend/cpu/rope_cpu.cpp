#include "backend/cpu/rope_cpu.h"

#include <cmath>
#include <vector>

#include "backend/dispatch.h"

namespace hone::cpu {
namespace {

int64_t position_at(const Tensor& positions, int64_t i) {
  if (positions.dtype() == DType::I64) return positions.data<int64_t>()[i];
  return positions.data<int32_t>()[i];
}

// cos/sin of position * inv_freq[i]. In fp32 the angle is formed as Hugging Face does (fp32 inverse
// frequencies times the fp32 position), so long positions round the same way as the reference.
template <class T>
void angles(int64_t position, int64_t half, double theta, T* cos_out, T* sin_out) {
  for (int64_t i = 0; i < half; ++i) {
    double angle;
    if constexpr (std::is_same_v<T, float>) {
      const float exponent = static_cast<float>(2 * i) / static_cast<float>(2 * half);
      const float inv_freq = 1.0f / static_cast<float>(std::pow(static_cast<double>(static_cast<float>(theta)), exponent));
      angle = static_cast<float>(position) * inv_freq;
    } else {
      angle = static_cast<double>(position) / std::pow(theta, static_cast<double>(2 * i) / static_cast<double>(2 * half));
    }
    cos_out[i] = static_cast<T>(std::cos(angle));
    sin_out[i] = static_cast<T>(std::sin(angle));
  }
}

}  // namespace

void rope_rotate(const Tensor& x, const Tensor& positions, int64_t head_dim, double theta, const Tensor& out,
                 bool inverse) {
  const char* kernel = inverse ? "rope_backward" : "rope_forward";
  HONE_CHECK(x.dim() == 3 && x.stride(2) == 1, kernel, ": x must be [B, T, heads*head_dim] with a contiguous last dimension, got ",
             x.describe());
  HONE_CHECK(head_dim > 0 && head_dim % 2 == 0 && x.size(2) % head_dim == 0, kernel, ": head_dim ", head_dim,
             " must be even and divide the last dimension of ", x.describe());
  HONE_CHECK(theta > 0, kernel, ": theta must be positive, got ", theta);
  HONE_CHECK(positions.shape() == Shape({x.size(0), x.size(1)}) && positions.is_contiguous() &&
                 (positions.dtype() == DType::I32 || positions.dtype() == DType::I64),
             kernel, ": positions must be contiguous I32/I64 [B, T] = ", shape_str({x.size(0), x.size(1)}), ", got ",
             positions.describe());
  HONE_CHECK(out.shape() == x.shape() && out.is_contiguous(), kernel, ": out must be contiguous ", shape_str(x.shape()),
             ", got ", out.describe());
  const int64_t batch = x.size(0), length = x.size(1), heads = x.size(2) / head_dim, half = head_dim / 2;
  dispatch_float(common_dtype(kernel, {&x, &out}), kernel, [&](auto zero) {
    using T = decltype(zero);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const int64_t sb = x.stride(0), st = x.stride(1), width = x.size(2);
    const T sign = inverse ? T(-1) : T(1);
#pragma omp parallel if (x.numel() >= 65536)
    {
      std::vector<T> cos_buf(half), sin_buf(half);
#pragma omp for schedule(static)
      for (int64_t token = 0; token < batch * length; ++token) {
        const int64_t b = token / length, t = token % length;
        angles<T>(position_at(positions, token), half, theta, cos_buf.data(), sin_buf.data());
        const T* src = px + b * sb + t * st;
        T* dst = po + token * width;
        for (int64_t h = 0; h < heads; ++h) {
          const T* a = src + h * head_dim;
          T* y = dst + h * head_dim;
#pragma omp simd
          for (int64_t i = 0; i < half; ++i) {
            const T x1 = a[i], x2 = a[i + half], c = cos_buf[i], s = sign * sin_buf[i];
            y[i] = x1 * c - x2 * s;
            y[i + half] = x2 * c + x1 * s;
          }
        }
      }
    }
  });
}

}  // namespace hone::cpu
