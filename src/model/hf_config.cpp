#include "model/hf_config.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace hone {
namespace {

using Json = nlohmann::json;

constexpr const char* kSupported =
    "hone reads T5ForConditionalGeneration (model_type t5), LlamaForCausalLM (model_type llama) and "
    "GPT2LMHeadModel (model_type gpt2)";

// Typed access to one config.json; every message names the key and what was expected.
class Reader {
 public:
  Reader(const Json& json, std::string kind) : json_(json), kind_(std::move(kind)) {}

  bool has(const char* key) const { return json_.contains(key) && !json_.at(key).is_null(); }

  int64_t integer(const char* key, int64_t fallback) const {
    if (!has(key)) return fallback;
    const Json& v = json_.at(key);
    if (!v.is_number_integer()) bad(key, "an integer", v);
    return v.get<int64_t>();
  }
  double number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    const Json& v = json_.at(key);
    if (!v.is_number()) bad(key, "a number", v);
    return v.get<double>();
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const Json& v = json_.at(key);
    if (!v.is_boolean()) bad(key, "true or false", v);
    return v.get<bool>();
  }
  std::string text(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const Json& v = json_.at(key);
    if (!v.is_string()) bad(key, "a string", v);
    return v.get<std::string>();
  }
  // A token id: absent or null gives fallback when absent and -1 when null; a list (Llama 3 has several
  // end-of-sequence ids) gives its first entry.
  int64_t token_id(const char* key, int64_t fallback) const {
    if (!json_.contains(key)) return fallback;
    const Json& v = json_.at(key);
    if (v.is_null()) return -1;
    if (v.is_array() && !v.empty() && v.front().is_number_integer()) return v.front().get<int64_t>();
    if (!v.is_number_integer()) bad(key, "an integer token id, a list of them, or null", v);
    return v.get<int64_t>();
  }

  [[noreturn]] void unsupported(const char* key, const std::string& why) const {
    fail("config.json (", kind_, "): '", key, "' = ", json_.at(key).dump(), " is not supported: ", why);
  }

 private:
  [[noreturn]] void bad(const char* key, const char* expected, const Json& v) const {
    fail("config.json (", kind_, "): '", key, "' must be ", expected, " (got ", v.dump(), ")");
  }

  const Json& json_;
  std::string kind_;
};

// Hugging Face ACT2FN names.
Activation activation_from_hf(const std::string& name, const char* kind, const char* key) {
  if (name == "relu") return Activation::ReLU;
  if (name == "gelu") return Activation::GeluErf;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return Activation::GeluTanh;
  if (name == "silu" || name == "swish") return Activation::SiLU;
  fail("config.json (", kind, "): activation '", name, "' in '", key,
       "' is not supported: use relu, gelu, gelu_new, gelu_pytorch_tanh or silu");
}

std::string activation_to_hf(Activation a, ModelStyle style) {
  switch (a) {
    case Activation::ReLU: return "relu";
    case Activation::GeluErf: return "gelu";
    case Activation::SiLU: return "silu";
    case Activation::GeluTanh: return style == ModelStyle::Llama ? "gelu_pytorch_tanh" : "gelu_new";
  }
  return "?";
}

Json token_json(int64_t id) { return id >= 0 ? Json(id) : Json(nullptr); }

ModelConfig read_t5(const Reader& r) {
  ModelConfig c = style_defaults(ModelStyle::T5);
  // transformers' T5Config defaults (t5-small v1.0) for absent keys.
  c.vocab_size = r.integer("vocab_size", 32128);
  c.d_model = r.integer("d_model", 512);
  c.d_kv = r.integer("d_kv", 64);
  c.d_ff = r.integer("d_ff", 2048);
  c.n_encoder_layers = r.integer("num_layers", 6);
  c.n_decoder_layers = r.integer("num_decoder_layers", c.n_encoder_layers);
  c.n_heads = r.integer("num_heads", 8);
  c.n_kv_heads = c.n_heads;
  c.relative_attention_num_buckets = r.integer("relative_attention_num_buckets", 32);
  c.relative_attention_max_distance = r.integer("relative_attention_max_distance", 128);
  c.dropout = r.number("dropout_rate", 0.1);
  c.norm_eps = r.number("layer_norm_epsilon", 1e-6);
  c.max_positions = r.integer("n_positions", c.max_positions);
  c.tie_embeddings = r.boolean("tie_word_embeddings", true);
  c.pad_token_id = r.token_id("pad_token_id", 0);
  c.eos_token_id = r.token_id("eos_token_id", 1);
  c.bos_token_id = r.token_id("bos_token_id", -1);
  c.decoder_start_token_id = r.token_id("decoder_start_token_id", c.pad_token_id);

  // "relu", "gelu", "gated-gelu", "gated-silu", ...: T5Config splits on '-' and maps "gated-gelu" to
  // gelu_new (the tanh approximation) for backward compatibility.
  std::string proj = r.text("feed_forward_proj", "relu");
  std::string act = proj;
  c.gated = false;
  if (proj.rfind("gated-", 0) == 0) {
    c.gated = true;
    act = proj.substr(6);
  }
  if (act.empty() || act.find('-') != std::string::npos)
    r.unsupported("feed_forward_proj", "use 'ACT' or 'gated-ACT' with ACT one of relu, gelu, gelu_new, silu");
  c.activation = proj == "gated-gelu" ? Activation::GeluTanh : activation_from_hf(act, "t5", "feed_forward_proj");
  if (!r.boolean("is_encoder_decoder", true))
    r.unsupported("is_encoder_decoder", "hone reads the full encoder-decoder T5");
  return c;
}

ModelConfig read_llama(const Reader& r) {
  ModelConfig c = style_defaults(ModelStyle::Llama);
  c.vocab_size = r.integer("vocab_size", 32000);
  c.d_model = r.integer("hidden_size", 4096);
  c.d_ff = r.integer("intermediate_size", 11008);
  c.n_decoder_layers = r.integer("num_hidden_layers", 32);
  c.n_heads = r.integer("num_attention_heads", 32);
  c.n_kv_heads = r.integer("num_key_value_heads", c.n_heads);
  if (c.n_heads <= 0) fail("config.json (llama): 'num_attention_heads' must be positive (got ", c.n_heads, ")");
  if (!r.has("head_dim") && c.d_model % c.n_heads != 0)
    fail("config.json (llama): hidden_size (", c.d_model, ") is not a multiple of num_attention_heads (", c.n_heads,
         "): give 'head_dim' explicitly");
  c.d_kv = r.integer("head_dim", c.d_model / c.n_heads);
  c.activation = activation_from_hf(r.text("hidden_act", "silu"), "llama", "hidden_act");
  c.gated = true;
  c.max_positions = r.integer("max_position_embeddings", 2048);
  c.norm_eps = r.number("rms_norm_eps", 1e-6);
  c.rope_theta = r.number("rope_theta", 10000.0);
  c.attention_bias = r.boolean("attention_bias", false);
  c.dropout = r.number("attention_dropout", 0.0);
  c.tie_embeddings = r.boolean("tie_word_embeddings", false);
  c.pad_token_id = r.token_id("pad_token_id", -1);
  c.bos_token_id = r.token_id("bos_token_id", 1);
  c.eos_token_id = r.token_id("eos_token_id", 2);
  c.prefix_lm = r.boolean("prefix_lm", false);
  if (r.has("rope_scaling")) r.unsupported("rope_scaling", "hone implements plain RoPE; remove the key or set it to null");
  if (r.boolean("mlp_bias", false)) r.unsupported("mlp_bias", "hone's Llama MLP has no biases");
  return c;
}

ModelConfig read_gpt2(const Reader& r) {
  ModelConfig c = style_defaults(ModelStyle::GPT2);
  c.vocab_size = r.integer("vocab_size", 50257);
  c.max_positions = r.integer("n_positions", 1024);
  c.d_model = r.integer("n_embd", 768);
  c.n_decoder_layers = r.integer("n_layer", 12);
  c.n_heads = r.integer("n_head", 12);
  c.n_kv_heads = c.n_heads;
  if (c.n_heads <= 0 || c.d_model % c.n_heads != 0)
    fail("config.json (gpt2): n_embd (", c.d_model, ") must be a positive multiple of n_head (", c.n_heads, ")");
  c.d_kv = c.d_model / c.n_heads;
  c.d_ff = r.integer("n_inner", 4 * c.d_model);  // null means 4 * n_embd
  c.activation = activation_from_hf(r.text("activation_function", "gelu_new"), "gpt2", "activation_function");
  c.gated = false;
  c.dropout = r.number("resid_pdrop", 0.1);  // hone has one dropout rate; GPT-2's three are usually equal
  c.norm_eps = r.number("layer_norm_epsilon", 1e-5);
  c.tie_embeddings = r.boolean("tie_word_embeddings", true);
  c.pad_token_id = r.token_id("pad_token_id", -1);
  c.bos_token_id = r.token_id("bos_token_id", 50256);
  c.eos_token_id = r.token_id("eos_token_id", 50256);
  c.prefix_lm = r.boolean("prefix_lm", false);
  if (!r.boolean("scale_attn_weights", true))
    r.unsupported("scale_attn_weights", "hone always scales attention scores by 1/sqrt(d_kv)");
  if (r.boolean("scale_attn_by_inverse_layer_idx", false))
    r.unsupported("scale_attn_by_inverse_layer_idx", "hone does not scale attention by layer index");
  if (r.boolean("add_cross_attention", false))
    r.unsupported("add_cross_attention", "hone's GPT-2 is decoder-only without cross-attention");
  return c;
}

ModelStyle detect_style(const Json& json) {
  if (json.contains("model_type")) {
    const Json& type = json.at("model_type");
    if (!type.is_string()) fail("config.json: 'model_type' must be a string (got ", type.dump(), ")");
    std::string t = type.get<std::string>();
    if (t == "t5") return ModelStyle::T5;
    if (t == "llama") return ModelStyle::Llama;
    if (t == "gpt2") return ModelStyle::GPT2;
    fail("config.json: model_type '", t, "' is not supported: ", kSupported);
  }
  // Very old exports have no model_type; fall back to the architecture name.
  if (json.contains("architectures") && json.at("architectures").is_array()) {
    for (const Json& a : json.at("architectures")) {
      if (!a.is_string()) continue;
      std::string name = a.get<std::string>();
      if (name.rfind("T5", 0) == 0) return ModelStyle::T5;
      if (name.rfind("Llama", 0) == 0) return ModelStyle::Llama;
      if (name.rfind("GPT2", 0) == 0) return ModelStyle::GPT2;
      fail("config.json: architecture '", name, "' is not supported: ", kSupported);
    }
  }
  fail("config.json has neither 'model_type' nor 'architectures', so the model family is unknown: add "
       "\"model_type\": \"t5\", \"llama\" or \"gpt2\"");
}

[[noreturn]] void fail_errno(const std::filesystem::path& file, const char* what, int error) {
  fail("cannot write '", file.string(), "': ", what, " failed: ", std::strerror(error),
       " (check that the directory exists and is writable; any previous file is unchanged)");
}

}  // namespace

Json to_hf_config_json(const ModelConfig& c) {
  c.validate();
  Json j = Json::object();
  switch (c.style) {
    case ModelStyle::T5:
      j["architectures"] = {"T5ForConditionalGeneration"};
      j["model_type"] = "t5";
      j["vocab_size"] = c.vocab_size;
      j["d_model"] = c.d_model;
      j["d_kv"] = c.d_kv;
      j["d_ff"] = c.d_ff;
      j["num_layers"] = c.n_encoder_layers;
      j["num_decoder_layers"] = c.n_decoder_layers;
      j["num_heads"] = c.n_heads;
      j["relative_attention_num_buckets"] = c.relative_attention_num_buckets;
      j["relative_attention_max_distance"] = c.relative_attention_max_distance;
      j["n_positions"] = c.max_positions;
      j["dropout_rate"] = c.dropout;
      j["layer_norm_epsilon"] = c.norm_eps;
      j["initializer_factor"] = 1.0;
      // "gated-gelu" is how T5Config spells the gated tanh-GELU; validate() rules out gated exact GELU.
      j["feed_forward_proj"] = c.gated && c.activation == Activation::GeluTanh
                                   ? std::string("gated-gelu")
                                   : (c.gated ? "gated-" : "") + activation_to_hf(c.activation, c.style);
      j["is_encoder_decoder"] = true;
      j["tie_word_embeddings"] = c.tie_embeddings;
      j["pad_token_id"] = token_json(c.pad_token_id);
      j["eos_token_id"] = token_json(c.eos_token_id);
      j["bos_token_id"] = token_json(c.bos_token_id);
      j["decoder_start_token_id"] = token_json(c.decoder_start_token_id);
      break;
    case ModelStyle::Llama:
      j["architectures"] = {"LlamaForCausalLM"};
      j["model_type"] = "llama";
      j["vocab_size"] = c.vocab_size;
      j["hidden_size"] = c.d_model;
      j["intermediate_size"] = c.d_ff;
      j["num_hidden_layers"] = c.n_decoder_layers;
      j["num_attention_heads"] = c.n_heads;
      j["num_key_value_heads"] = c.n_kv_heads;
      j["head_dim"] = c.d_kv;
      j["hidden_act"] = activation_to_hf(c.activation, c.style);
      j["max_position_embeddings"] = c.max_positions;
      j["rms_norm_eps"] = c.norm_eps;
      j["rope_theta"] = c.rope_theta;
      j["rope_scaling"] = nullptr;
      j["attention_bias"] = c.attention_bias;
      j["attention_dropout"] = c.dropout;
      j["mlp_bias"] = false;
      j["initializer_range"] = 0.02;
      j["tie_word_embeddings"] = c.tie_embeddings;
      j["pad_token_id"] = token_json(c.pad_token_id);
      j["bos_token_id"] = token_json(c.bos_token_id);
      j["eos_token_id"] = token_json(c.eos_token_id);
      break;
    case ModelStyle::GPT2:
      j["architectures"] = {"GPT2LMHeadModel"};
      j["model_type"] = "gpt2";
      j["vocab_size"] = c.vocab_size;
      j["n_positions"] = c.max_positions;
      j["n_ctx"] = c.max_positions;  // legacy key some tools still read
      j["n_embd"] = c.d_model;
      j["n_layer"] = c.n_decoder_layers;
      j["n_head"] = c.n_heads;
      j["n_inner"] = c.d_ff;
      j["activation_function"] = activation_to_hf(c.activation, c.style);
      j["resid_pdrop"] = c.dropout;
      j["embd_pdrop"] = c.dropout;
      j["attn_pdrop"] = c.dropout;
      j["layer_norm_epsilon"] = c.norm_eps;
      j["initializer_range"] = 0.02;
      j["scale_attn_weights"] = true;
      j["tie_word_embeddings"] = c.tie_embeddings;
      j["pad_token_id"] = token_json(c.pad_token_id);
      j["bos_token_id"] = token_json(c.bos_token_id);
      j["eos_token_id"] = token_json(c.eos_token_id);
      break;
  }
  if (c.prefix_lm) j["prefix_lm"] = true;
  j["use_cache"] = true;
  return j;
}

ModelConfig from_hf_config_json(const Json& json) {
  if (!json.is_object()) fail("config.json must hold a JSON object (got ", json.type_name(), ")");
  ModelStyle style = detect_style(json);
  Reader reader(json, to_string(style));
  ModelConfig c;
  switch (style) {
    case ModelStyle::T5: c = read_t5(reader); break;
    case ModelStyle::Llama: c = read_llama(reader); break;
    case ModelStyle::GPT2: c = read_gpt2(reader); break;
  }
  std::vector<std::string> found = c.problems();
  if (!found.empty()) {
    std::string message = "config.json (" + to_string(style) + ") describes an invalid model: ";
    for (size_t i = 0; i < found.size(); ++i) message += (i ? "; " : "") + found[i];
    fail(message);
  }
  return c;
}

ModelConfig read_hf_config(const std::filesystem::path& path) {
  std::filesystem::path file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("cannot read model config '", file.string(), "': ", std::strerror(errno),
                " (give a config.json file or a checkpoint directory that holds one)");
  std::stringstream text;
  text << in.rdbuf();
  Json json;
  try {
    json = Json::parse(text.str());
  } catch (const Json::parse_error& e) {
    fail("'", file.string(), "' is not valid JSON (", e.what(), "): fix or regenerate the file");
  }
  try {
    return from_hf_config_json(json);
  } catch (const Error& e) {
    fail("'", file.string(), "': ", e.what());
  }
}

void write_hf_config(const ModelConfig& config, const std::filesystem::path& file) {
  const std::string body = to_hf_config_json(config).dump(2) + "\n";
  static std::atomic<uint64_t> counter{0};
  const std::string temp =
      file.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail_errno(file, "creating a temporary file", errno);
  const char* data = body.data();
  size_t left = body.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(temp.c_str());
      fail_errno(file, "writing", error);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  // fsync before rename: after a crash the target is the old file or the complete new one.
  int error = ::fsync(fd) != 0 ? errno : 0;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    fail_errno(file, "flushing", error);
  }
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    fail_errno(file, "renaming into place", error);
  }
}

}  // namespace hone
