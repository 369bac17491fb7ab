#pragma once
// Float transcendental functions written in plain arithmetic so `omp simd` loops vectorise them (the
// libm calls do not vectorise without -ffast-math). Accuracy is a few float ulps, well inside the
// fp32 parity tolerances; double code keeps using libm (the fp64 gradient checks need full precision).
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

namespace hone::cpu {

// e^x: x = k ln2 + r with |r| <= ln2 / 2, e^r from its degree-7 Taylor polynomial (error < 1e-8
// relative), 2^k built in the exponent bits. Inputs are clamped to the normal float range.
inline float vector_exp(float x) {
  if (x != x) return x;  // NaN stays NaN (and never reaches the float-to-int conversion)
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float k = (x * 1.44269504f + 12582912.0f) - 12582912.0f;  // round to nearest via the 2^23 trick
  float r = x - k * 0.693359375f;                                   // ln2 split in two for exactness
  r = r - k * -2.12194440e-4f;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const float scale = std::bit_cast<float>((static_cast<int32_t>(k) + 127) << 23);
  return p * scale;
}

// tanh(x) = 1 - 2 / (e^{2x} + 1): saturates cleanly to +-1; absolute error ~1e-7 near 0.
inline float vector_tanh(float x) { return 1.0f - 2.0f / (vector_exp(2.0f * x) + 1.0f); }

// erf from Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
inline float vector_erf(float x) {
  const float a = x < 0 ? -x : x;
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float y = 1.0f - p * t * vector_exp(-a * a);
  return x < 0 ? -y : y;
}

// The same names for float and double: vectorisable code for float, libm for double.
template <class T>
inline T exp_of(T x) {
  if constexpr (std::is_same_v<T, float>) return vector_exp(x);
  else return std::exp(x);
}
template <class T>
inline T tanh_of(T x) {
  if constexpr (std::is_same_v<T, float>) return vector_tanh(x);
  else return std::tanh(x);
}
template <class T>
inline T erf_of(T x) {
  if constexpr (std::is_same_v<T, float>) return vector_erf(x);
  else return std::erf(x);
}

}  // namespace hone::cpu
