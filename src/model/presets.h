#pragma once
// Named model shapes. Names follow the Hugging Face model ids where one exists (t5-small,
// t5-v1_1-base, gpt2-medium, ...), so `hone shapes t5-v1_1-base` does what a user guesses; the ids with
// their organisation ("google/t5-v1_1-base", "openai-community/gpt2") and the "Scale Efficiently" ids
// ("google/t5-efficient-small-nl22") are accepted too. The llama-* shapes are hone's own (Llama-style
// architecture at a chosen size), not Meta checkpoints; the *-tiny shapes are for tests and the demo.
#include <string>
#include <vector>

#include "model/config.h"

namespace hone {

struct Preset {
  std::string name;
  std::string source;  // where the shape comes from
  ModelConfig config;
};

// Every preset, in a stable order (grouped by family).
const std::vector<Preset>& presets();

// The preset called name (or one of its accepted aliases); nullptr when there is none.
const Preset* find_preset(const std::string& name);

// The preset's config; an unknown name is a usage error that lists the nearest preset names.
ModelConfig preset_config(const std::string& name);

// Up to limit preset names closest to name (edit distance, substrings first), best first.
std::vector<std::string> near_preset_names(const std::string& name, size_t limit = 5);

}  // namespace hone
