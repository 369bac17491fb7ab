#pragma once
// Chinchilla approach 3, fitted as Hoffmann et al. (2022) and Besiroglu et al. (Epoch AI, 2024) did:
// with A = exp(a), B = exp(b), E = exp(e), predict log L = LSE(a - alpha log N, b - beta log D, e) and
// minimise the SUM over points of Huber_delta(predicted log L - log L) with L-BFGS (Ceres) from every
// point of an initialisation grid, keeping the best.
#include <array>
#include <cstddef>
#include <vector>

#include "scaling/chinchilla_law.h"
#include "scaling/scaling_data.h"

namespace hone::scaling {

// The optimiser's coordinates: (a, b, e, alpha, beta).
using RawParameters = std::array<double, 5>;

ChinchillaLaw law_from_raw(const RawParameters& raw);

struct ChinchillaFitOptions {
  double huber_delta = 1e-3;
  // The grid of Hoffmann et al.: alpha, beta in {0, 0.5, ..., 2}, e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}.
  std::vector<double> alpha_grid{0, 0.5, 1, 1.5, 2};
  std::vector<double> beta_grid{0, 0.5, 1, 1.5, 2};
  std::vector<double> e_grid{-1, -0.5, 0, 0.5, 1};
  std::vector<double> a_grid{0, 5, 10, 15, 20, 25};
  std::vector<double> b_grid{0, 5, 10, 15, 20, 25};
  int max_iterations = 2000;  // per L-BFGS run
};

struct LocalFit {
  RawParameters start{};
  RawParameters optimum{};
  double objective = 0;
};

struct ChinchillaFit {
  ChinchillaLaw law;
  RawParameters raw{};
  double objective = 0;  // summed Huber loss at the optimum
  size_t points = 0;
  // Every grid start and where it converged, best first (the bootstrap restarts from a few of them).
  std::vector<LocalFit> grid_results;
};

// The summed Huber objective over points with integer weights (a bootstrap resample is a weighting).
class HuberLogLossObjective {
 public:
  HuberLogLossObjective(const std::vector<ScalingPoint>& points, std::vector<double> weights, double huber_delta);
  // Returns the objective and, when gradient is not null, writes d objective / d raw there.
  double evaluate(const RawParameters& raw, double* gradient) const;
  size_t size() const { return log_params_.size(); }

 private:
  std::vector<double> log_params_, log_tokens_, log_loss_, weights_;
  double huber_delta_;
};

// One L-BFGS run from start.
LocalFit minimise_from(const HuberLogLossObjective& objective, const RawParameters& start, int max_iterations);

// The full grid search (parallel over starts; the result does not depend on the thread count).
ChinchillaFit fit_chinchilla_law(const std::vector<ScalingPoint>& points, const ChinchillaFitOptions& options = {});

}  // namespace hone::scaling
