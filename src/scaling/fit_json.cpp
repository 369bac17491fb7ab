#include "scaling/fit_json.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "core/error.h"

namespace hone::scaling {
namespace {

void add_summary(nlohmann::json& out, const std::string& name, const SampleSummary& s) {
  out[name + "_se"] = s.standard_error;
  out[name + "_ci"] = {s.low, s.high};
}

double required_number(const nlohmann::json& j, const char* key, const std::string& path) {
  HONE_CHECK(j.contains(key) && j[key].is_number(), path, ": missing numeric key '", key,
             "'; pass a file written by 'hone scale fit --json'");
  return j[key].get<double>();
}

}  // namespace

nlohmann::json chinchilla_fit_json(const ChinchillaFit& fit, const ChinchillaBootstrap* bootstrap, const FitProvenance& provenance) {
  nlohmann::json out;
  out["law"] = "L(N, D) = E + A / N^alpha + B / D^beta";
  out["method"] = "chinchilla approach 3: summed Huber loss on log loss, L-BFGS from a grid";
  out["source"] = provenance.source;
  out["E"] = fit.law.E;
  out["A"] = fit.law.A;
  out["B"] = fit.law.B;
  out["alpha"] = fit.law.alpha;
  out["beta"] = fit.law.beta;
  out["objective"] = fit.objective;
  out["points"] = fit.points;
  out["dropped_highest"] = provenance.dropped_highest;
  out["huber_delta"] = provenance.huber_delta;
  out["grid_starts"] = fit.grid_results.size();
  if (bootstrap) {
    add_summary(out, "E", bootstrap->E());
    add_summary(out, "A", bootstrap->A());
    add_summary(out, "B", bootstrap->B());
    add_summary(out, "alpha", bootstrap->alpha());
    add_summary(out, "beta", bootstrap->beta());
    nlohmann::json samples = nlohmann::json::array();
    for (const ChinchillaLaw& s : bootstrap->samples) samples.push_back({s.E, s.A, s.B, s.alpha, s.beta});
    out["bootstrap"] = {
        {"resamples", bootstrap->samples.size()},
        {"seed", bootstrap->seed},
        {"grid_restarts", bootstrap->grid_restarts},
        {"refit", "from the full-data optimum and the grid starts of the best distinct full-data optima, not the whole grid"},
        {"interval", "95% percentile"},
        {"sample_columns", {"E", "A", "B", "alpha", "beta"}},
        {"samples", samples}};
  }
  return out;
}

SavedChinchillaFit read_chinchilla_fit_json(const std::string& path) {
  std::ifstream in(path);
  HONE_CHECK(in, "cannot open fit file ", path, "; write one with 'hone scale fit --csv FILE --json ", path, "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": not valid JSON (", e.what(), "); pass a file written by 'hone scale fit --json'");
  }
  HONE_CHECK(j.is_object(), path, ": expected a JSON object written by 'hone scale fit --json'");
  SavedChinchillaFit saved;
  saved.law = ChinchillaLaw{required_number(j, "E", path), required_number(j, "A", path), required_number(j, "B", path),
                            required_number(j, "alpha", path), required_number(j, "beta", path)};
  if (j.contains("bootstrap")) {
    const nlohmann::json& samples = j["bootstrap"].value("samples", nlohmann::json::array());
    for (size_t i = 0; i < samples.size(); ++i) {
      const nlohmann::json& s = samples[i];
      HONE_CHECK(s.is_array() && s.size() == 5 && std::all_of(s.begin(), s.end(), [](const nlohmann::json& v) { return v.is_number(); }),
                 path, ": bootstrap sample ", i, " is not [E, A, B, alpha, beta]");
      saved.samples.push_back(ChinchillaLaw{s[0].get<double>(), s[1].get<double>(), s[2].get<double>(), s[3].get<double>(), s[4].get<double>()});
    }
  }
  return saved;
}

nlohmann::json allocation_law_json(const AllocationLaw& law, const std::string& method) {
  nlohmann::json optima = nlohmann::json::array();
  for (const ScalingPoint& p : law.optima)
    optima.push_back({{"flops", p.flops}, {"params", p.params}, {"tokens", p.tokens}, {"loss", p.loss}});
  return {{"method", method},
          {"law", "N_opt = params_coefficient * C^params_exponent, D_opt = tokens_coefficient * C^tokens_exponent"},
          {"params_coefficient", law.params_for_flops.coefficient},
          {"params_exponent", law.params_for_flops.exponent},
          {"tokens_coefficient", law.tokens_for_flops.coefficient},
          {"tokens_exponent", law.tokens_for_flops.exponent},
          {"points", law.optima.size()},
          {"optima", optima}};
}

nlohmann::json kaplan_laws_json(const KaplanLaw& of_params, const KaplanLaw& of_tokens, const KaplanLaw& of_flops) {
  auto one = [](const KaplanLaw& law) { return nlohmann::json{{"scale", law.scale}, {"exponent", law.exponent}}; };
  return {{"method", "kaplan power laws, least squares in log space"},
          {"law", "L(X) = (scale / X)^exponent"},
          {"L_of_N", one(of_params)},
          {"L_of_D", one(of_tokens)},
          {"L_of_C", one(of_flops)}};
}

void write_json_file(const std::string& path, const nlohmann::json& value) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    HONE_CHECK(out, "cannot write ", temporary, "; check that the directory exists and is writable");
    out << value.dump(2) << '\n';
    out.close();
    HONE_CHECK(out, "writing ", temporary, " failed (disk full?)");
  }
  HONE_CHECK(std::rename(temporary.c_str(), path.c_str()) == 0, "cannot rename ", temporary, " to ", path);
}

}  // namespace hone::scaling
