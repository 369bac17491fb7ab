#include "backend/position_bias.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "backend/cpu/position_bias_cpu.h"
#include "backend/dispatch.h"

namespace hone {

int64_t relative_position_bucket(int64_t relative_position, bool bidirectional, int64_t num_buckets,
                                 int64_t max_distance) {
  int64_t bucket = 0;
  int64_t n = relative_position;
  if (bidirectional) {
    num_buckets /= 2;
    if (n > 0) bucket += num_buckets;
    n = std::abs(n);
  } else {
    n = -std::min<int64_t>(n, 0);
  }
  const int64_t max_exact = num_buckets / 2;
  if (n < max_exact) return bucket + n;
  // fp32 like torch: log(n / max_exact) / log(max_distance / max_exact) * (num_buckets - max_exact).
  float scaled = std::log(static_cast<float>(n) / static_cast<float>(max_exact));
  scaled = scaled / static_cast<float>(std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)));
  scaled = scaled * static_cast<float>(num_buckets - max_exact);
  // The clamp below max_exact never binds for checked settings; it keeps the index inside the table.
  const int64_t large = std::clamp<int64_t>(max_exact + static_cast<int64_t>(scaled), max_exact, num_buckets - 1);
  return bucket + large;
}

void check_relative_position_buckets(const char* what, int64_t num_buckets, int64_t max_distance, bool bidirectional) {
  const int64_t largest_exact = bidirectional ? num_buckets / 4 : num_buckets / 2;
  HONE_CHECK(num_buckets >= 4 && max_distance > largest_exact, what, ": need num_buckets >= 4 and max_distance > ",
             bidirectional ? "num_buckets/4" : "num_buckets/2", " for ", bidirectional ? "bidirectional" : "causal",
             " buckets, got num_buckets ", num_buckets, " and max_distance ", max_distance);
}

void position_bias_forward(const Tensor& table, bool bidirectional, int64_t max_distance, const Tensor& bias) {
  Device device = common_device("position_bias_forward", {&table, &bias});
  if (device.is_cpu()) return cpu::position_bias_forward(table, bidirectional, max_distance, bias);
  unsupported_device("position_bias_forward", device);
}

void position_bias_backward(const Tensor& d_bias, bool bidirectional, int64_t max_distance, const Tensor& table_grad) {
  Device device = common_device("position_bias_backward", {&d_bias, &table_grad});
  if (device.is_cpu()) return cpu::position_bias_backward(d_bias, bidirectional, max_distance, table_grad);
  unsupported_device("position_bias_backward", device);
}

}  // namespace hone
