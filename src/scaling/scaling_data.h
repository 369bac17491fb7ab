#pragma once
// Scaling-law observations: one finished run per point (model size N, tokens D, training FLOPs C, final
// loss L), read from a CSV whose header names the columns.
#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace hone::scaling {

struct ScalingPoint {
  double params = 0;  // N
  double tokens = 0;  // D
  double flops = 0;   // C; when the CSV gives only D, C = 6 N D
  double loss = 0;    // L
};

// Accepted headers (case-insensitive): N from `Model Size`, `params` or `N`; D from `tokens` or `D`;
// C from `Training FLOP`, `flops` or `C`; L from `loss` or `L`. D or C must be present; without D,
// D = C / (6 N). Other columns are ignored. Bad input throws hone::Error naming the line.
std::vector<ScalingPoint> read_scaling_csv(const std::string& path);
std::vector<ScalingPoint> parse_scaling_csv(std::istream& in, const std::string& source_name);

// Removes the k points with the highest loss (Hoffmann et al. drop the worst-fitting small runs).
std::vector<ScalingPoint> drop_highest_losses(std::vector<ScalingPoint> points, size_t k);

}  // namespace hone::scaling
