#include "model/config.h"

#include <array>
#include <sstream>
#include <utility>

#include "core/error.h"

namespace hone {
namespace {

template <class Enum, size_t N>
Enum parse_name(const std::array<std::pair<const char*, Enum>, N>& names, const std::string& name, const char* what) {
  std::string accepted;
  for (const auto& [text, value] : names) {
    if (name == text) return value;
    accepted += accepted.empty() ? "" : ", ";
    accepted += text;
  }
  fail("unknown ", what, " '", name, "': use one of ", accepted);
}

template <class Enum, size_t N>
std::string name_of(const std::array<std::pair<const char*, Enum>, N>& names, Enum value) {
  for (const auto& [text, candidate] : names)
    if (candidate == value) return text;
  return "?";
}

constexpr std::array<std::pair<const char*, ModelFamily>, 2> kFamilyNames{
    {{"encoder_decoder", ModelFamily::EncoderDecoder}, {"decoder_only", ModelFamily::DecoderOnly}}};
constexpr std::array<std::pair<const char*, ModelStyle>, 3> kStyleNames{
    {{"t5", ModelStyle::T5}, {"llama", ModelStyle::Llama}, {"gpt2", ModelStyle::GPT2}}};
constexpr std::array<std::pair<const char*, NormKind>, 2> kNormNames{{{"rms", NormKind::RMS}, {"layer", NormKind::Layer}}};
constexpr std::array<std::pair<const char*, Activation>, 4> kActivationNames{{{"relu", Activation::ReLU},
                                                                              {"gelu_tanh", Activation::GeluTanh},
                                                                              {"gelu", Activation::GeluErf},
                                                                              {"silu", Activation::SiLU}}};

}  // namespace

std::string to_string(ModelFamily family) { return name_of(kFamilyNames, family); }
std::string to_string(ModelStyle style) { return name_of(kStyleNames, style); }
std::string to_string(NormKind norm) { return name_of(kNormNames, norm); }
std::string to_string(Activation activation) { return name_of(kActivationNames, activation); }
std::string to_string(PositionKind positions) {
  switch (positions) {
    case PositionKind::RelativeBias: return "relative_bias";
    case PositionKind::Rotary: return "rope";
    case PositionKind::Learned: return "learned";
  }
  return "?";
}

ModelFamily parse_model_family(const std::string& name) { return parse_name(kFamilyNames, name, "model family"); }
ModelStyle parse_model_style(const std::string& name) { return parse_name(kStyleNames, name, "model style"); }
NormKind parse_norm_kind(const std::string& name) { return parse_name(kNormNames, name, "norm"); }
Activation parse_activation_kind(const std::string& name) { return parse_name(kActivationNames, name, "activation"); }

PositionKind ModelConfig::positions() const {
  switch (style) {
    case ModelStyle::T5: return PositionKind::RelativeBias;
    case ModelStyle::Llama: return PositionKind::Rotary;
    case ModelStyle::GPT2: return PositionKind::Learned;
  }
  return PositionKind::Rotary;
}

ModelConfig style_defaults(ModelStyle style) {
  ModelConfig c;
  c.style = style;
  switch (style) {
    case ModelStyle::T5:  // T5 v1.1 conventions; v1.0 presets switch to ReLU and tying
      c.family = ModelFamily::EncoderDecoder;
      c.norm = NormKind::RMS;
      c.norm_eps = 1e-6;
      c.activation = Activation::GeluTanh;
      c.gated = true;
      c.tie_embeddings = false;
      c.attention_bias = false;
      c.max_positions = 512;
      c.pad_token_id = 0;
      c.eos_token_id = 1;
      c.decoder_start_token_id = 0;
      break;
    case ModelStyle::Llama:
      c.family = ModelFamily::DecoderOnly;
      c.norm = NormKind::RMS;
      c.norm_eps = 1e-6;
      c.activation = Activation::SiLU;
      c.gated = true;
      c.tie_embeddings = false;
      c.attention_bias = false;
      c.max_positions = 2048;
      c.bos_token_id = 1;
      c.eos_token_id = 2;
      break;
    case ModelStyle::GPT2:
      c.family = ModelFamily::DecoderOnly;
      c.norm = NormKind::Layer;
      c.norm_eps = 1e-5;
      c.activation = Activation::GeluTanh;
      c.gated = false;
      c.tie_embeddings = true;
      c.attention_bias = true;
      c.max_positions = 1024;
      break;
  }
  return c;
}

std::vector<std::string> ModelConfig::problems() const {
  std::vector<std::string> out;
  auto require = [&out](bool ok, auto&&... parts) {
    if (!ok) out.push_back(detail::concat(parts...));
  };
  const std::string s = to_string(style);

  require(vocab_size > 0, "vocab_size must be positive (got ", vocab_size, ")");
  require(d_model > 0, "d_model must be positive (got ", d_model, ")");
  require(d_ff > 0, "d_ff must be positive (got ", d_ff, ")");
  require(n_heads > 0, "n_heads must be positive (got ", n_heads, ")");
  require(d_kv > 0, "d_kv must be positive (got ", d_kv, "); the usual choice is d_model / n_heads");
  require(n_kv_heads > 0, "n_kv_heads must be positive (got ", n_kv_heads, "); use n_heads for plain multi-head attention");
  if (n_heads > 0 && n_kv_heads > 0)
    require(n_heads % n_kv_heads == 0, "n_kv_heads (", n_kv_heads, ") must divide n_heads (", n_heads,
            "): each key/value head serves a whole group of query heads");
  require(max_positions >= 0, "max_positions must not be negative (got ", max_positions, ")");
  require(norm_eps > 0, "norm_eps must be positive (got ", norm_eps, ")");
  require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1) (got ", dropout, ")");
  require(n_decoder_layers > 0, "n_decoder_layers must be positive (got ", n_decoder_layers, ")");
  for (auto [id, name] : {std::pair{pad_token_id, "pad_token_id"}, std::pair{bos_token_id, "bos_token_id"},
                          std::pair{eos_token_id, "eos_token_id"},
                          std::pair{decoder_start_token_id, "decoder_start_token_id"}})
    require(id >= -1 && (vocab_size <= 0 || id < vocab_size), name, " (", id, ") must be a token id below vocab_size (",
            vocab_size, "), or -1 for none");

  const bool t5 = style == ModelStyle::T5;
  if (is_encoder_decoder()) {
    require(t5, "an encoder-decoder model must use style t5 (got ", s, ")");
    require(n_encoder_layers > 0, "n_encoder_layers must be positive for an encoder-decoder model (got ",
            n_encoder_layers, ")");
    require(!prefix_lm, "prefix_lm applies to decoder-only models; an encoder-decoder model already reads its input "
                        "bidirectionally");
  } else {
    require(!t5, "style t5 is encoder-decoder: set family to encoder_decoder, or use style llama or gpt2");
    require(n_encoder_layers == 0, "a decoder-only model has no encoder: set n_encoder_layers to 0 (got ",
            n_encoder_layers, ")");
    require(decoder_start_token_id == -1, "decoder_start_token_id applies to encoder-decoder models only");
  }

  switch (style) {
    case ModelStyle::T5:
      require(norm == NormKind::RMS, "style t5 uses RMS norm (T5LayerNorm): set norm to rms");
      require(!attention_bias, "style t5 has no attention biases: set attention_bias to false");
      require(n_kv_heads == n_heads, "style t5 has one key/value head per query head: set n_kv_heads = n_heads (",
              n_heads, ")");
      // Hugging Face halves the buckets for bidirectional attention and uses half of those for exact
      // offsets; the log-spaced rest needs max_distance beyond the exact range.
      require(relative_attention_num_buckets >= 4, "relative_attention_num_buckets must be at least 4 (got ",
              relative_attention_num_buckets, ")");
      require(relative_attention_max_distance > relative_attention_num_buckets / 2,
              "relative_attention_max_distance (", relative_attention_max_distance,
              ") must exceed relative_attention_num_buckets / 2 (", relative_attention_num_buckets / 2, ")");
      require(!(gated && activation == Activation::GeluErf),
              "style t5 cannot express a gated exact GELU (Hugging Face's 'gated-gelu' is the tanh approximation): "
              "use activation gelu_tanh");
      break;
    case ModelStyle::Llama:
      require(norm == NormKind::RMS, "style llama uses RMS norm: set norm to rms");
      require(gated, "style llama has a gated FFN (gate_proj, up_proj): set gated to true");
      require(rope_theta > 0, "rope_theta must be positive (got ", rope_theta, ")");
      require(d_kv % 2 == 0, "d_kv (", d_kv, ") must be even: RoPE rotates pairs of channels");
      require(max_positions > 0, "max_positions must be positive for style llama (got ", max_positions, ")");
      break;
    case ModelStyle::GPT2:
      require(norm == NormKind::Layer, "style gpt2 uses LayerNorm with bias: set norm to layer");
      require(!gated, "style gpt2 has a plain FFN (c_fc, c_proj): set gated to false");
      require(attention_bias, "style gpt2 has attention biases: set attention_bias to true");
      require(n_kv_heads == n_heads, "style gpt2 has one key/value head per query head: set n_kv_heads = n_heads (",
              n_heads, ")");
      require(n_heads * d_kv == d_model, "style gpt2 splits d_model into heads: d_kv (", d_kv, ") x n_heads (", n_heads,
              ") must equal d_model (", d_model, ")");
      require(max_positions > 0, "max_positions must be positive for style gpt2: it sizes the learned position table");
      break;
  }
  return out;
}

void ModelConfig::validate() const {
  std::vector<std::string> found = problems();
  if (found.empty()) return;
  std::string message = "invalid model config: ";
  for (size_t i = 0; i < found.size(); ++i) message += (i ? "; " : "") + found[i];
  fail(message);
}

std::string describe(const ModelConfig& c) {
  std::ostringstream out;
  out << (c.is_encoder_decoder() ? "encoder-decoder " : "decoder-only ") << to_string(c.style) << ", ";
  if (c.is_encoder_decoder())
    out << c.n_encoder_layers << "+" << c.n_decoder_layers << " layers";
  else
    out << c.n_decoder_layers << " layers";
  out << ", d_model " << c.d_model << ", d_ff " << c.d_ff << " (" << (c.gated ? "gated " : "") << to_string(c.activation)
      << "), " << c.n_heads << " heads";
  if (c.n_kv_heads != c.n_heads) out << " / " << c.n_kv_heads << " kv heads";
  out << " x d_kv " << c.d_kv << ", vocab " << c.vocab_size << ", " << to_string(c.norm) << " norm, "
      << to_string(c.positions()) << " positions" << (c.tie_embeddings ? ", tied head" : ", untied head");
  if (c.prefix_lm) out << ", prefix-LM";
  return out.str();
}

}  // namespace hone
