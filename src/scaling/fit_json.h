#pragma once
// Fits as JSON: what `hone scale fit --json` writes and `hone scale plan --fit` reads back.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "scaling/allocation_law.h"
#include "scaling/chinchilla_bootstrap.h"
#include "scaling/chinchilla_fit.h"
#include "scaling/power_law.h"

namespace hone::scaling {

struct FitProvenance {
  std::string source;         // the CSV the points came from
  size_t dropped_highest = 0;
  double huber_delta = 1e-3;
};

// Keys: E, A, B, alpha, beta, objective, points; with a bootstrap also <name>_se, <name>_ci = [lo, hi]
// (95% percentile interval) and "bootstrap": {resamples, seed, grid_restarts, refit, samples: [[E, A, B, alpha, beta], ...]}.
nlohmann::json chinchilla_fit_json(const ChinchillaFit& fit, const ChinchillaBootstrap* bootstrap, const FitProvenance& provenance);

struct SavedChinchillaFit {
  ChinchillaLaw law;
  std::vector<ChinchillaLaw> samples;  // empty when the fit had no bootstrap
};
SavedChinchillaFit read_chinchilla_fit_json(const std::string& path);

nlohmann::json allocation_law_json(const AllocationLaw& law, const std::string& method);
nlohmann::json kaplan_laws_json(const KaplanLaw& of_params, const KaplanLaw& of_tokens, const KaplanLaw& of_flops);

// Writes through a temporary file and a rename, so a reader never sees half a file.
void write_json_file(const std::string& path, const nlohmann::json& value);

}  // namespace hone::scaling
