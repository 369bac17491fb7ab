#include "model/presets.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "core/error.h"

namespace hone {
namespace {

struct T5Shape {
  int64_t d_model, d_ff, d_kv, n_heads, n_encoder_layers, n_decoder_layers;
};

// T5 v1.0: ReLU FFN, tied head (what transformers assumes when config.json has neither key).
ModelConfig t5_v1_0(const T5Shape& s) {
  ModelConfig c = style_defaults(ModelStyle::T5);
  c.vocab_size = 32128;
  c.d_model = s.d_model;
  c.d_ff = s.d_ff;
  c.d_kv = s.d_kv;
  c.n_heads = c.n_kv_heads = s.n_heads;
  c.n_encoder_layers = s.n_encoder_layers;
  c.n_decoder_layers = s.n_decoder_layers;
  c.activation = Activation::ReLU;
  c.gated = false;
  c.tie_embeddings = true;
  c.dropout = 0.1;
  return c;
}

// T5 v1.1: gated-GELU (tanh) FFN, untied head.
ModelConfig t5_v1_1(const T5Shape& s) {
  ModelConfig c = t5_v1_0(s);
  c.activation = Activation::GeluTanh;
  c.gated = true;
  c.tie_embeddings = false;
  return c;
}

ModelConfig gpt2(int64_t d_model, int64_t n_layers, int64_t n_heads) {
  ModelConfig c = style_defaults(ModelStyle::GPT2);
  c.vocab_size = 50257;
  c.max_positions = 1024;
  c.d_model = d_model;
  c.d_ff = 4 * d_model;
  c.n_heads = c.n_kv_heads = n_heads;
  c.d_kv = d_model / n_heads;
  c.n_decoder_layers = n_layers;
  c.dropout = 0.1;
  c.bos_token_id = c.eos_token_id = 50256;
  return c;
}

ModelConfig llama(int64_t vocab, int64_t d_model, int64_t d_ff, int64_t n_layers, int64_t n_heads, int64_t n_kv_heads,
                  int64_t max_positions, bool tied) {
  ModelConfig c = style_defaults(ModelStyle::Llama);
  c.vocab_size = vocab;
  c.d_model = d_model;
  c.d_ff = d_ff;
  c.n_decoder_layers = n_layers;
  c.n_heads = n_heads;
  c.n_kv_heads = n_kv_heads;
  c.d_kv = d_model / n_heads;
  c.max_positions = max_positions;
  c.tie_embeddings = tied;
  return c;
}

std::vector<Preset> build_presets() {
  std::vector<Preset> p;
  const std::string v1_0 = "Hugging Face google-t5/<name> config.json (T5 v1.0)";
  const std::string v1_1 = "Hugging Face google/<name> config.json (T5 v1.1)";
  p.push_back({"t5-small", v1_0, t5_v1_0({512, 2048, 64, 8, 6, 6})});
  p.push_back({"t5-base", v1_0, t5_v1_0({768, 3072, 64, 12, 12, 12})});
  p.push_back({"t5-large", v1_0, t5_v1_0({1024, 4096, 64, 16, 24, 24})});
  p.push_back({"t5-3b", v1_0, t5_v1_0({1024, 16384, 128, 32, 24, 24})});
  p.push_back({"t5-11b", v1_0, t5_v1_0({1024, 65536, 128, 128, 24, 24})});
  p.push_back({"t5-v1_1-small", v1_1, t5_v1_1({512, 1024, 64, 6, 8, 8})});
  p.push_back({"t5-v1_1-base", v1_1, t5_v1_1({768, 2048, 64, 12, 12, 12})});
  p.push_back({"t5-v1_1-large", v1_1, t5_v1_1({1024, 2816, 64, 16, 24, 24})});
  p.push_back({"t5-v1_1-xl", v1_1, t5_v1_1({2048, 5120, 64, 32, 24, 24})});
  p.push_back({"t5-v1_1-xxl", v1_1, t5_v1_1({4096, 10240, 64, 64, 24, 24})});

  // "Scale Efficiently" (Tay et al. 2021) shapes, exactly as in the released checkpoints' config.json
  // (google/t5-efficient-<size>[-<variant>]): T5 v1.0 layout (ReLU, tied head). The variant names are
  // the paper's and are approximate: ff6000 is d_ff 6144, dm1000 is d_model 1024.
  const std::string se = "Scale Efficiently (Tay et al. 2021), Hugging Face google/t5-efficient-* config.json";
  const T5Shape tiny{256, 1024, 64, 4, 4, 4}, mini{384, 1536, 64, 8, 4, 4};
  const T5Shape small{512, 2048, 64, 8, 6, 6}, base{768, 3072, 64, 12, 12, 12}, large{1024, 4096, 64, 16, 24, 24};
  auto variant = [&](const std::string& name, T5Shape s) { p.push_back({name, se, t5_v1_0(s)}); };
  auto layers = [](T5Shape s, int64_t encoder, int64_t decoder) {
    s.n_encoder_layers = encoder;
    s.n_decoder_layers = decoder;
    return s;
  };
  auto with = [](T5Shape s, int64_t T5Shape::*field, int64_t value) {
    s.*field = value;
    return s;
  };
  variant("t5-efficient-tiny", tiny);
  variant("t5-efficient-mini", mini);
  // DeepNarrow: depth first.
  variant("t5-small-nl22", layers(small, 22, 22));
  variant("t5-base-nl24", layers(base, 24, 24));
  variant("t5-base-nl36", layers(base, 36, 36));
  variant("t5-large-nl36", layers(large, 36, 36));
  // One knob at a time (NL, EL, DM, FF, NH, KV).
  variant("t5-small-el32", layers(small, 32, 6));
  variant("t5-small-dm768", with(small, &T5Shape::d_model, 768));
  variant("t5-small-dm1000", with(small, &T5Shape::d_model, 1024));
  variant("t5-small-ff6000", with(small, &T5Shape::d_ff, 6144));
  variant("t5-small-kv32", with(small, &T5Shape::d_kv, 32));
  variant("t5-small-kv128", with(small, &T5Shape::d_kv, 128));
  variant("t5-base-nl2", layers(base, 2, 2));
  variant("t5-base-dm256", with(base, &T5Shape::d_model, 256));
  variant("t5-base-dm512", with(base, &T5Shape::d_model, 512));
  variant("t5-base-ff1000", with(base, &T5Shape::d_ff, 1024));
  variant("t5-base-ff2000", with(base, &T5Shape::d_ff, 2048));
  variant("t5-base-nh24", with(base, &T5Shape::n_heads, 24));
  variant("t5-base-kv32", with(base, &T5Shape::d_kv, 32));
  variant("t5-large-nl2", layers(large, 2, 2));
  variant("t5-large-nl20", layers(large, 20, 20));

  const std::string openai = "Hugging Face openai-community/<name> config.json";
  p.push_back({"gpt2", openai, gpt2(768, 12, 12)});
  p.push_back({"gpt2-medium", openai, gpt2(1024, 24, 16)});
  p.push_back({"gpt2-large", openai, gpt2(1280, 36, 20)});
  p.push_back({"gpt2-xl", openai, gpt2(1600, 48, 25)});

  const std::string hone = "hone shape (Llama-style architecture; not a Meta checkpoint)";
  p.push_back({"llama-110m", hone, llama(32000, 768, 2048, 12, 12, 12, 2048, true)});
  p.push_back({"llama-1b", hone, llama(32000, 2048, 8192, 16, 32, 8, 2048, true)});

  // Tiny shapes for tests and the demo: every structural feature present (T5 v1.1 gating and untied head,
  // grouped-query attention, GPT-2 biases and tying) at a size that runs in milliseconds.
  const std::string tests = "hone test/demo shape";
  ModelConfig t5_tiny = t5_v1_1({64, 128, 16, 4, 2, 2});
  t5_tiny.vocab_size = 512;
  t5_tiny.dropout = 0.0;
  p.push_back({"t5-tiny", tests, t5_tiny});
  p.push_back({"llama-tiny", tests, llama(512, 64, 176, 2, 4, 2, 256, false)});
  ModelConfig gpt2_tiny = gpt2(64, 2, 4);
  gpt2_tiny.vocab_size = 512;
  gpt2_tiny.max_positions = 256;
  gpt2_tiny.dropout = 0.0;
  gpt2_tiny.bos_token_id = gpt2_tiny.eos_token_id = 511;
  p.push_back({"gpt2-tiny", tests, gpt2_tiny});

  for (Preset& preset : p) {
    const size_t slot = preset.source.find("<name>");
    if (slot != std::string::npos) preset.source.replace(slot, 6, preset.name);
    preset.config.validate();
  }
  return p;
}

const Preset* find_exact(const std::string& name) {
  for (const Preset& p : presets())
    if (p.name == name) return &p;
  return nullptr;
}

// Model ids as typed from the Hugging Face hub: drop the organisation, then map the Scale Efficiently
// ids (t5-efficient-small-nl22) onto hone's names (t5-small-nl22).
std::string canonical_name(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const char* org : {"google/", "google-t5/", "openai-community/"})
    if (name.rfind(org, 0) == 0) name = name.substr(std::string(org).size());
  if (!find_exact(name) && name.rfind("t5-efficient-", 0) == 0) name = "t5-" + name.substr(13);
  return name;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = build_presets();
  return all;
}

const Preset* find_preset(const std::string& name) {
  if (const Preset* p = find_exact(name)) return p;
  return find_exact(canonical_name(name));
}

std::vector<std::string> near_preset_names(const std::string& name, size_t limit) {
  const std::string query = canonical_name(name);
  const size_t tolerance = std::max<size_t>(3, query.size() / 3);
  std::vector<std::tuple<bool, size_t, std::string>> ranked;  // (not a substring, distance, name)
  for (const Preset& p : presets()) {
    const bool substring = !query.empty() && (p.name.find(query) != std::string::npos || query.find(p.name) != std::string::npos);
    const size_t distance = edit_distance(query, p.name);
    if (substring || distance <= tolerance) ranked.emplace_back(!substring, distance, p.name);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (const auto& entry : ranked) {
    if (out.size() == limit) break;
    out.push_back(std::get<2>(entry));
  }
  return out;
}

ModelConfig preset_config(const std::string& name) {
  if (const Preset* p = find_preset(name)) return p->config;
  std::vector<std::string> near = near_preset_names(name);
  std::string hint;
  for (const std::string& n : near) hint += (hint.empty() ? "" : ", ") + n;
  if (hint.empty())
    fail_usage("unknown model preset '", name, "': see 'hone shapes --list' for the presets");
  fail_usage("unknown model preset '", name, "': did you mean ", hint, "? (see 'hone shapes --list')");
}

}  // namespace hone
