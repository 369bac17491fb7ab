#pragma once
// The parameters a config defines, named and shaped exactly as the Hugging Face model's
// named_parameters() lists them (T5ForConditionalGeneration, LlamaForCausalLM, GPT2LMHeadModel): a tied
// LM head is the embedding itself and is not listed again; T5's relative_attention_bias exists only in
// block 0 of each stack. Shapes follow the Hugging Face layout (nn.Linear: [out, in]; GPT-2's Conv1D:
// [in, out]). Parameter counts, optimizer-state sizes and checkpoint checks are computed from this list.
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace hone {

enum class ParameterGroup {
  TokenEmbedding,     // shared / embed_tokens / wte
  PositionEmbedding,  // GPT-2's wpe
  Encoder,            // encoder stack including its final norm (encoder-decoder only)
  Decoder,            // decoder stack including its final norm
  LmHead,             // an untied output projection
};

struct ParameterShape {
  std::string name;
  std::vector<int64_t> shape;
  ParameterGroup group;
  int64_t numel() const;
};

// In Hugging Face order. The config is validated first.
std::vector<ParameterShape> parameter_shapes(const ModelConfig& config);

}  // namespace hone
