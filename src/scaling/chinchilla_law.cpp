#include "scaling/chinchilla_law.h"

#include <cmath>

namespace hone::scaling {

double ChinchillaLaw::loss(double params, double tokens) const {
  return E + A / std::pow(params, alpha) + B / std::pow(tokens, beta);
}

ChinchillaLaw hoffmann_published_law() { return ChinchillaLaw{1.69, 406.4, 410.7, 0.34, 0.28}; }

}  // namespace hone::scaling
