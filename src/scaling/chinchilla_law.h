#pragma once
// The parametric loss law of Hoffmann et al. (2022): L(N, D) = E + A / N^alpha + B / D^beta.
namespace hone::scaling {

struct ChinchillaLaw {
  double E = 0;
  double A = 0;
  double B = 0;
  double alpha = 0;
  double beta = 0;

  double loss(double params, double tokens) const;
};

// The rounded constants Hoffmann et al. published (their approach 3).
ChinchillaLaw hoffmann_published_law();

}  // namespace hone::scaling
