#include "scaling/power_law.h"

#include <cmath>

// GCC 12 with -march=native reports a false -Wmaybe-uninitialized inside Eigen's AVX-512 kernels
// once they are inlined into this file's functions; the diagnostic is about Eigen, not our code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Dense>

#include "core/error.h"

namespace hone::scaling {

double PowerLaw::operator()(double x) const { return coefficient * std::pow(x, exponent); }

double KaplanLaw::loss(double x) const { return std::pow(scale / x, exponent); }

std::vector<double> fit_polynomial(const std::vector<double>& x, const std::vector<double>& y, int degree) {
  HONE_CHECK(x.size() == y.size(), "a polynomial fit needs as many x as y values, got ", x.size(), " and ", y.size());
  HONE_CHECK(degree >= 0 && x.size() > static_cast<size_t>(degree), "a degree-", degree, " fit needs at least ",
             degree + 1, " points, got ", x.size());
  Eigen::MatrixXd design(x.size(), degree + 1);
  Eigen::VectorXd target(y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    double power = 1;
    for (int k = 0; k <= degree; ++k, power *= x[i]) design(static_cast<Eigen::Index>(i), k) = power;
    target(static_cast<Eigen::Index>(i)) = y[i];
  }
  // Column-pivoting QR: stable, and its rank tells us when the x values cannot pin the curve down.
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(design);
  HONE_CHECK(qr.rank() == degree + 1, "a degree-", degree, " fit needs at least ", degree + 1, " distinct x values");
  Eigen::VectorXd solution = qr.solve(target);
  return std::vector<double>(solution.data(), solution.data() + solution.size());
}

namespace {
std::vector<double> logs(const std::vector<double>& values, const char* what) {
  std::vector<double> out;
  for (double v : values) {
    HONE_CHECK(v > 0 && std::isfinite(v), "power-law fits work on logarithms: every ", what, " must be positive, got ", v);
    out.push_back(std::log(v));
  }
  return out;
}
}  // namespace

PowerLaw fit_power_law(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> line = fit_polynomial(logs(x, "x"), logs(y, "y"), 1);
  return PowerLaw{std::exp(line[0]), line[1]};
}

KaplanLaw fit_kaplan_law(const std::vector<double>& x, const std::vector<double>& loss) {
  std::vector<double> line = fit_polynomial(logs(x, "x"), logs(loss, "loss"), 1);
  const double exponent = -line[1];
  HONE_CHECK(exponent > 1e-9, "the loss does not fall with scale in these points (fitted exponent ", exponent,
             "); a Kaplan power law needs a decreasing trend");
  return KaplanLaw{std::exp(line[0] / exponent), exponent};
}

}  // namespace hone::scaling
