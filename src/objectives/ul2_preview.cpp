#include "objectives/ul2_preview.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/log.h"
#include "objectives/denoiser.h"
#include "objectives/mixture.h"

namespace hone::objectives {
namespace {

// A preset name gives its mixture; a denoiser name gives a one-denoiser mixture.
Mixture resolve(const std::string& name) {
  std::ostringstream known;
  for (const std::string& preset : mixture_preset_names()) {
    if (preset == name) return mixture_preset(name);
    known << " " << preset;
  }
  std::set<std::string> listed;
  for (const std::string& preset : mixture_preset_names()) {
    for (const MixtureComponent& component : mixture_preset(preset).components) {
      if (component.denoiser.name == name) return Mixture{name, {{component.denoiser, 1.0}}};
      if (listed.insert(component.denoiser.name).second) known << " " << component.denoiser.name;
    }
  }
  fail_usage("unknown denoiser or mixture '", name, "'; known:", known.str());
}

}  // namespace

std::vector<PreviewExample> preview_denoising(const Tokenizer& tokenizer, const std::string& text,
                                              const PreviewOptions& options) {
  HONE_CHECK(options.examples >= 1, "ul2 preview: --examples must be at least 1");
  const Mixture mixture = resolve(options.denoiser);
  ObjectiveOptions objective;
  objective.inputs_length = options.inputs_length;
  objective.targets_length = options.targets_length;
  objective.eos_id = tokenizer.eos_id();
  objective.sentinels.vocab_size = tokenizer.vocab_size();
  objective.sentinels.num_sentinels = tokenizer.sentinel_count();
  objective.mode_tokens = ModeTokens::from_text([&](const std::string& s) { return tokenizer.encode(s); });
  objective.short_documents = ShortDocuments::Error;

  // UL2 wrote its paradigm tokens as text; a vocabulary without "[" or "]" turns them into unknowns.
  for (const auto* mode : {&objective.mode_tokens.nlu, &objective.mode_tokens.nlg, &objective.mode_tokens.s2s}) {
    if (std::find(mode->begin(), mode->end(), tokenizer.unk_id()) != mode->end()) {
      log_warn("the mode tokens [NLU]/[NLG]/[S2S] contain unknown pieces in this tokenizer: train it with "
               "--user-symbols '[NLU],[NLG],[S2S]' or --byte-fallback");
      break;
    }
  }
  const std::vector<int32_t> tokens = tokenizer.encode(text);
  std::vector<PreviewExample> out;
  for (int64_t index = 0; index < options.examples; ++index) {
    const Denoiser& denoiser =
        mixture.components[sample_denoiser(mixture, options.seed, static_cast<uint64_t>(index))].denoiser;
    HONE_CHECK(denoiser.kind != DenoiserKind::SpanCorruption || tokenizer.sentinel_count() > 0, "denoiser ",
               denoiser.name, " needs sentinel tokens, and this tokenizer has none: train one with --t5-conventions");
    check_denoiser(denoiser, objective);
    const int64_t take = std::min<int64_t>(source_length(denoiser, objective), static_cast<int64_t>(tokens.size()));
    std::vector<int32_t> chunk(tokens.begin(), tokens.begin() + take);
    auto example = make_denoised_example(chunk, denoiser, objective, options.seed, static_cast<uint64_t>(index));
    HONE_CHECK(example.has_value(), "the text is too short for denoiser ", denoiser.name);
    out.push_back({denoiser.name, take, example->inputs, example->targets, tokenizer.decode(example->inputs),
                   tokenizer.decode(example->targets)});
  }
  return out;
}

}  // namespace hone::objectives
