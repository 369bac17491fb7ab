#include "model/hf_weights.h"

#include <map>

#include "backend/elementwise.h"
#include "core/error.h"
#include "model/parameter_shapes.h"

namespace hone {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string without_suffix(const std::string& s, const std::string& suffix) { return s.substr(0, s.size() - suffix.size()); }

// Conv1D weights other than the fused c_attn: stored transposed relative to nn.Linear.
bool is_conv1d_weight(const std::string& name) {
  return ends_with(name, ".attn.c_proj.weight") || ends_with(name, ".mlp.c_fc.weight") ||
         ends_with(name, ".mlp.c_proj.weight");
}

// A contiguous copy of src (any strides).
Tensor materialize(const Tensor& src) {
  Tensor out = Tensor::empty(src.shape(), src.dtype(), src.device());
  copy(src, out);
  return out;
}

const char* const kQkv[3] = {"q_proj", "k_proj", "v_proj"};

std::vector<NamedTensor> gpt2_to_hf(const ModelConfig& config, const std::vector<NamedTensor>& internal) {
  std::map<std::string, Tensor> by_name;
  for (const NamedTensor& t : internal) by_name[t.name] = t.tensor;
  auto get = [&](const std::string& name) -> const Tensor& {
    auto it = by_name.find(name);
    HONE_CHECK(it != by_name.end(), "GPT-2 export: internal parameter ", name,
               " is missing; pass every parameter of a gpt2-style DecoderOnlyModel");
    return it->second;
  };
  std::vector<NamedTensor> out;
  for (const ParameterShape& p : parameter_shapes(config)) {
    const Shape shape(p.shape.begin(), p.shape.end());
    Tensor result;
    if (ends_with(p.name, ".attn.c_attn.weight") || ends_with(p.name, ".attn.c_attn.bias")) {
      const bool weight = ends_with(p.name, ".weight");
      const std::string attn = without_suffix(p.name, weight ? "c_attn.weight" : "c_attn.bias");
      const Tensor& first = get(attn + kQkv[0] + (weight ? ".weight" : ".bias"));
      result = Tensor::empty(shape, first.dtype(), first.device());
      const int64_t d = config.d_model;
      for (int part = 0; part < 3; ++part) {
        const Tensor& src = get(attn + kQkv[part] + (weight ? ".weight" : ".bias"));
        if (weight) {
          check_shape(src, {d, d}, (attn + kQkv[part] + ".weight").c_str());
          copy(src.transpose(0, 1), result.slice(1, part * d, (part + 1) * d));
        } else {
          check_shape(src, {d}, (attn + kQkv[part] + ".bias").c_str());
          copy(src, result.slice(0, part * d, (part + 1) * d));
        }
      }
    } else if (is_conv1d_weight(p.name)) {
      const Tensor& src = get(p.name);
      check_shape(src, {shape[1], shape[0]}, p.name.c_str());
      result = materialize(src.transpose(0, 1));
    } else {
      const Tensor& src = get(p.name);
      check_shape(src, shape, p.name.c_str());
      result = materialize(src);
    }
    out.push_back({p.name, result});
  }
  return out;
}

std::vector<NamedTensor> gpt2_from_hf(const ModelConfig& config, const std::vector<NamedTensor>& hf) {
  std::map<std::string, Shape> expected;
  for (const ParameterShape& p : parameter_shapes(config)) expected[p.name] = Shape(p.shape.begin(), p.shape.end());
  std::vector<NamedTensor> out;
  for (const NamedTensor& t : hf) {
    // Causal-mask buffers some GPT-2 checkpoints carry; hone builds its masks itself.
    if (ends_with(t.name, ".attn.bias") || ends_with(t.name, ".attn.masked_bias")) continue;
    auto it = expected.find(t.name);
    HONE_CHECK(it != expected.end(), "GPT-2 import: unexpected tensor ", t.name, " for config ", describe(config),
               "; check the checkpoint matches the config");
    check_shape(t.tensor, it->second, t.name.c_str());
    const int64_t d = config.d_model;
    if (ends_with(t.name, ".attn.c_attn.weight")) {
      const std::string attn = without_suffix(t.name, "c_attn.weight");
      for (int part = 0; part < 3; ++part)
        out.push_back({attn + kQkv[part] + ".weight", materialize(t.tensor.slice(1, part * d, (part + 1) * d).transpose(0, 1))});
    } else if (ends_with(t.name, ".attn.c_attn.bias")) {
      const std::string attn = without_suffix(t.name, "c_attn.bias");
      for (int part = 0; part < 3; ++part)
        out.push_back({attn + kQkv[part] + ".bias", materialize(t.tensor.slice(0, part * d, (part + 1) * d))});
    } else if (is_conv1d_weight(t.name)) {
      out.push_back({t.name, materialize(t.tensor.transpose(0, 1))});
    } else {
      out.push_back({t.name, materialize(t.tensor)});
    }
  }
  return out;
}

std::vector<NamedTensor> identity(const std::vector<NamedTensor>& state) {
  std::vector<NamedTensor> out;
  for (const NamedTensor& t : state) out.push_back({t.name, materialize(t.tensor)});
  return out;
}

}  // namespace

std::vector<NamedTensor> named_values(const ParameterStore& store) {
  std::vector<NamedTensor> out;
  for (const Parameter& p : store.all()) out.push_back({p.name, p.value});
  return out;
}

std::vector<NamedTensor> named_grads(const ParameterStore& store) {
  std::vector<NamedTensor> out;
  for (const Parameter& p : store.all()) out.push_back({p.name, p.grad});
  return out;
}

std::vector<NamedTensor> to_hf_state(const ModelConfig& config, const std::vector<NamedTensor>& internal) {
  return config.style == ModelStyle::GPT2 ? gpt2_to_hf(config, internal) : identity(internal);
}

std::vector<NamedTensor> from_hf_state(const ModelConfig& config, const std::vector<NamedTensor>& hf) {
  return config.style == ModelStyle::GPT2 ? gpt2_from_hf(config, hf) : identity(hf);
}

}  // namespace hone
