#pragma once
// Power laws fitted by least squares in log space: y = coefficient * x^exponent, and Kaplan et al.'s
// (2020) form L(X) = (X_c / X)^alpha_X for X = N, D or C.
#include <vector>

namespace hone::scaling {

struct PowerLaw {
  double coefficient = 0;
  double exponent = 0;
  double operator()(double x) const;
};

// Least squares of log y on log x (needs 2+ points with distinct x, all x, y > 0).
PowerLaw fit_power_law(const std::vector<double>& x, const std::vector<double>& y);

struct KaplanLaw {
  double scale = 0;     // X_c
  double exponent = 0;  // alpha_X
  double loss(double x) const;
};

// L = (X_c / X)^alpha is log L = alpha log X_c - alpha log X: a line in log space.
KaplanLaw fit_kaplan_law(const std::vector<double>& x, const std::vector<double>& loss);

// Least-squares polynomial coefficients (constant first) of the given degree, via Eigen's QR.
std::vector<double> fit_polynomial(const std::vector<double>& x, const std::vector<double>& y, int degree);

}  // namespace hone::scaling
