#include "scaling/chinchilla_fit.h"

#include <ceres/ceres.h>
#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "core/error.h"

namespace hone::scaling {

ChinchillaLaw law_from_raw(const RawParameters& raw) {
  return ChinchillaLaw{std::exp(raw[2]), std::exp(raw[0]), std::exp(raw[1]), raw[3], raw[4]};
}

HuberLogLossObjective::HuberLogLossObjective(const std::vector<ScalingPoint>& points, std::vector<double> weights,
                                             double huber_delta)
    : weights_(std::move(weights)), huber_delta_(huber_delta) {
  HONE_CHECK(!points.empty(), "a scaling-law fit needs at least one point");
  HONE_CHECK(weights_.size() == points.size(), "one weight per point: got ", weights_.size(), " for ", points.size());
  HONE_CHECK(huber_delta > 0, "the Huber delta must be positive, got ", huber_delta);
  for (const ScalingPoint& p : points) {
    HONE_CHECK(p.params > 0 && p.tokens > 0 && p.loss > 0, "scaling points need positive N, D and loss");
    log_params_.push_back(std::log(p.params));
    log_tokens_.push_back(std::log(p.tokens));
    log_loss_.push_back(std::log(p.loss));
  }
}

double HuberLogLossObjective::evaluate(const RawParameters& raw, double* gradient) const {
  const double a = raw[0], b = raw[1], e = raw[2], alpha = raw[3], beta = raw[4];
  double total = 0;
  RawParameters g{};
  for (size_t i = 0; i < log_params_.size(); ++i) {
    if (weights_[i] == 0) continue;
    const double term_n = a - alpha * log_params_[i];
    const double term_d = b - beta * log_tokens_[i];
    // Log-sum-exp with the largest term factored out, so huge a or b never overflow.
    const double m = std::max({term_n, term_d, e});
    const double exp_n = std::exp(term_n - m), exp_d = std::exp(term_d - m), exp_e = std::exp(e - m);
    const double sum = exp_n + exp_d + exp_e;
    const double r = m + std::log(sum) - log_loss_[i];
    const double abs_r = std::abs(r);
    const bool quadratic = abs_r <= huber_delta_;
    total += weights_[i] * (quadratic ? 0.5 * r * r : huber_delta_ * (abs_r - 0.5 * huber_delta_));
    if (gradient) {
      // d Huber / d r, times the softmax weights that d LSE / d (its terms) are.
      const double slope = weights_[i] * (quadratic ? r : std::copysign(huber_delta_, r)) / sum;
      g[0] += slope * exp_n;
      g[1] += slope * exp_d;
      g[2] += slope * exp_e;
      g[3] -= slope * exp_n * log_params_[i];
      g[4] -= slope * exp_d * log_tokens_[i];
    }
  }
  if (gradient) std::copy(g.begin(), g.end(), gradient);
  return total;
}

namespace {

// Ceres' line search logs a glog WARNING whenever a start sits on a flat stretch of the Huber loss;
// from a 4500-point grid that is noise, not news. Errors still get through.
void quiet_solver_warnings() {
  static std::once_flag once;
  std::call_once(once, [] { FLAGS_minloglevel = google::GLOG_ERROR; });
}

class CeresObjective final : public ceres::FirstOrderFunction {
 public:
  explicit CeresObjective(const HuberLogLossObjective& objective) : objective_(objective) {}
  bool Evaluate(const double* parameters, double* cost, double* gradient) const override {
    RawParameters raw;
    std::copy(parameters, parameters + 5, raw.begin());
    *cost = objective_.evaluate(raw, gradient);
    return std::isfinite(*cost);
  }
  int NumParameters() const override { return 5; }

 private:
  const HuberLogLossObjective& objective_;
};

}  // namespace

LocalFit minimise_from(const HuberLogLossObjective& objective, const RawParameters& start, int max_iterations) {
  quiet_solver_warnings();
  ceres::GradientProblem problem(new CeresObjective(objective));
  ceres::GradientProblemSolver::Options options;
  options.line_search_direction_type = ceres::LBFGS;
  options.max_num_iterations = max_iterations;
  // The Huber objective is tiny near the optimum (residuals ~1e-2 in log loss): stop on the gradient
  // and step size rather than on a relative cost change that plateaus early.
  options.function_tolerance = 1e-12;
  options.gradient_tolerance = 1e-14;
  options.parameter_tolerance = 1e-12;
  options.logging_type = ceres::SILENT;
  options.minimizer_progress_to_stdout = false;
  LocalFit fit;
  fit.start = start;
  fit.optimum = start;
  ceres::GradientProblemSolver::Summary summary;
  ceres::Solve(options, problem, fit.optimum.data(), &summary);
  fit.objective = objective.evaluate(fit.optimum, nullptr);
  if (!std::isfinite(fit.objective)) fit.objective = std::numeric_limits<double>::infinity();
  return fit;
}

ChinchillaFit fit_chinchilla_law(const std::vector<ScalingPoint>& points, const ChinchillaFitOptions& options) {
  HONE_CHECK(points.size() >= 5, "the parametric fit has 5 parameters and needs at least 5 points, got ", points.size());
  HuberLogLossObjective objective(points, std::vector<double>(points.size(), 1.0), options.huber_delta);

  std::vector<RawParameters> starts;
  for (double alpha : options.alpha_grid)
    for (double beta : options.beta_grid)
      for (double e : options.e_grid)
        for (double a : options.a_grid)
          for (double b : options.b_grid) starts.push_back({a, b, e, alpha, beta});
  HONE_CHECK(!starts.empty(), "the initialisation grid is empty; give at least one value per parameter");

  std::vector<LocalFit> results(starts.size());
  // Each start owns its slot, so the outcome is the same for any thread count.
#pragma omp parallel for schedule(dynamic)
  for (size_t i = 0; i < starts.size(); ++i) results[i] = minimise_from(objective, starts[i], options.max_iterations);

  // Best first; equal objectives keep grid order so the choice is deterministic.
  std::stable_sort(results.begin(), results.end(), [](const LocalFit& x, const LocalFit& y) { return x.objective < y.objective; });
  HONE_CHECK(std::isfinite(results.front().objective), "the scaling-law fit diverged from every start; check the data");

  ChinchillaFit fit;
  fit.raw = results.front().optimum;
  fit.law = law_from_raw(fit.raw);
  fit.objective = results.front().objective;
  fit.points = points.size();
  fit.grid_results = std::move(results);
  return fit;
}

}  // namespace hone::scaling
