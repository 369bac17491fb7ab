#pragma once
// A mixture of denoisers and the per-example categorical draw over it. Presets:
//   ul2  - the 7 denoisers of UL2 (Tay et al. 2022): R(3,.15) R(8,.15) X(3,.5) X(8,.5) X(64,.15)
//          X(64,.5) S, sampled uniformly as the paper's ul2_objective does when no rates are given.
//   ul2r - U-PaLM's UL2R mixture (Tay et al. 2022, "Transcending scaling laws"): 50% S,
//          25% R(3,.15), 25% X(32,.5).
//   t5   - T5's span corruption alone (R(3,.15) without a mode token).
//   causal - plain causal LM.
// docs/ul2.md explains the choices.
#include <cstdint>
#include <string>
#include <vector>

#include "objectives/denoiser.h"

namespace hone::objectives {

struct MixtureComponent {
  Denoiser denoiser;
  double rate = 0.0;
};

struct Mixture {
  std::string name;
  std::vector<MixtureComponent> components;
};

std::vector<std::string> mixture_preset_names();
Mixture mixture_preset(const std::string& name);

// Replaces the rates (one per component, in order) and checks them.
void set_mixture_rates(Mixture& mixture, const std::vector<double>& rates);

// Rates must be finite, non-negative and sum to 1 (within 1e-6); fails with the offending values.
void check_mixture_rates(const Mixture& mixture);

// check_mixture_rates plus check_denoiser for every component with a positive rate.
void check_mixture(const Mixture& mixture, const ObjectiveOptions& options);

// The component index of example example_index: inverse-CDF of one uniform draw over the rates.
size_t sample_denoiser(const Mixture& mixture, uint64_t seed, uint64_t example_index);

}  // namespace hone::objectives
