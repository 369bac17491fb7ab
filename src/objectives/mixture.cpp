#include "objectives/mixture.h"

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "objectives/random_draws.h"

namespace hone::objectives {
namespace {

std::string rates_text(const Mixture& mixture) {
  std::ostringstream out;
  for (size_t i = 0; i < mixture.components.size(); ++i)
    out << (i ? ", " : "") << mixture.components[i].denoiser.name << " " << mixture.components[i].rate;
  return out.str();
}

}  // namespace

std::vector<std::string> mixture_preset_names() { return {"ul2", "ul2r", "t5", "causal"}; }

Mixture mixture_preset(const std::string& name) {
  if (name == "ul2") {
    // UL2's appendix code samples the tasks uniformly when no rates are given.
    const double rate = 1.0 / 7.0;
    return Mixture{name,
                   {{r_denoiser(3, 0.15), rate},
                    {r_denoiser(8, 0.15), rate},
                    {x_denoiser(3, 0.5), rate},
                    {x_denoiser(8, 0.5), rate},
                    {x_denoiser(64, 0.15), rate},
                    {x_denoiser(64, 0.5), rate},
                    {s_denoiser(), rate}}};
  }
  if (name == "ul2r") return Mixture{name, {{s_denoiser(), 0.5}, {r_denoiser(3, 0.15), 0.25}, {x_denoiser(32, 0.5), 0.25}}};
  if (name == "t5") return Mixture{name, {{t5_span_corruption(), 1.0}}};
  if (name == "causal") return Mixture{name, {{causal_lm(), 1.0}}};
  std::ostringstream known;
  for (const std::string& preset : mixture_preset_names()) known << " " << preset;
  fail_usage("unknown denoiser mixture '", name, "'; the presets are:", known.str());
}

void set_mixture_rates(Mixture& mixture, const std::vector<double>& rates) {
  HONE_CHECK(rates.size() == mixture.components.size(), "mixture ", mixture.name, ": ", rates.size(),
             " rates given for ", mixture.components.size(), " denoisers (", rates_text(mixture), ")");
  for (size_t i = 0; i < rates.size(); ++i) mixture.components[i].rate = rates[i];
  check_mixture_rates(mixture);
}

void check_mixture_rates(const Mixture& mixture) {
  HONE_CHECK(!mixture.components.empty(), "mixture ", mixture.name, " has no denoisers");
  double sum = 0.0;
  for (const MixtureComponent& component : mixture.components) {
    HONE_CHECK(std::isfinite(component.rate) && component.rate >= 0.0, "mixture ", mixture.name, ": the rate of ",
               component.denoiser.name, " is ", component.rate, "; rates must be non-negative");
    sum += component.rate;
  }
  HONE_CHECK(std::abs(sum - 1.0) <= 1e-6, "mixture ", mixture.name, ": rates sum to ", sum,
             " instead of 1 (", rates_text(mixture), "); fix them so they add up to 1");
}

void check_mixture(const Mixture& mixture, const ObjectiveOptions& options) {
  check_mixture_rates(mixture);
  for (const MixtureComponent& component : mixture.components)
    if (component.rate > 0.0) check_denoiser(component.denoiser, options);
}

size_t sample_denoiser(const Mixture& mixture, uint64_t seed, uint64_t example_index) {
  DrawStream draws(seed, example_index, DrawPurpose::DenoiserChoice);
  const double u = draws.uniform();
  double cumulative = 0.0;
  size_t last_positive = 0;
  for (size_t i = 0; i < mixture.components.size(); ++i) {
    if (mixture.components[i].rate <= 0.0) continue;
    cumulative += mixture.components[i].rate;
    last_positive = i;
    if (u < cumulative) return i;
  }
  return last_positive;  // rates summing to 1 - 1e-9 leave a sliver; it belongs to the last component
}

}  // namespace hone::objectives
