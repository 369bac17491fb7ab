#pragma once
// Conversion between hone's internal parameters and a Hugging Face state dict, per style, for checkpoint
// import and export.
//   t5, llama: identity (hone registers the Hugging Face names and layouts)
//   gpt2:      Hugging Face keeps Conv1D weights [in, out] and fuses q, k, v into attn.c_attn [d, 3d];
//              hone keeps Linear weights [out, in] and separate attn.q_proj / k_proj / v_proj:
//                c_attn.weight [d, 3d] = [q_proj.weight^T | k_proj.weight^T | v_proj.weight^T]
//                c_attn.bias   [3d]    = [q_proj.bias | k_proj.bias | v_proj.bias]
//                attn.c_proj, mlp.c_fc, mlp.c_proj weights: transposed; everything else as is
// Tensors come back as fresh contiguous copies on the source's device, in the source's dtype.
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"
#include "nn/parameter.h"

namespace hone {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// A store's parameter values or gradients as named tensors (views, not copies), for the functions below.
std::vector<NamedTensor> named_values(const ParameterStore& store);
std::vector<NamedTensor> named_grads(const ParameterStore& store);

// Internal parameters (e.g. DecoderOnlyModel::params()) -> Hugging Face state in parameter_shapes()
// order. For gpt2 every Hugging Face tensor must be derivable: a missing internal name or a wrong shape
// is an error that names it.
std::vector<NamedTensor> to_hf_state(const ModelConfig& config, const std::vector<NamedTensor>& internal);

// Hugging Face state -> internal parameters. For gpt2 each name must be one parameter_shapes() lists,
// with its shape; buffers Hugging Face also saves (attn.bias / attn.masked_bias causal masks) are skipped.
std::vector<NamedTensor> from_hf_state(const ModelConfig& config, const std::vector<NamedTensor>& hf);

}  // namespace hone
