#pragma once
// Shared helpers of the checkpoint tests: tiny T5 and Llama configs, the model configs built from them,
// one training step, byte comparison and scratch directories.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "model/config.h"
#include "model/decoder_only.h"
#include "model/encoder_decoder.h"
#include "support/tensor_testing.h"

namespace hone::testing {

inline ModelConfig tiny_t5_config(bool v1_1 = true) {
  ModelConfig c = style_defaults(ModelStyle::T5);
  c.vocab_size = 40;
  c.d_model = 16;
  c.d_ff = 24;
  c.n_heads = 2;
  c.d_kv = 8;
  c.n_kv_heads = 2;
  c.n_encoder_layers = 2;
  c.n_decoder_layers = 2;
  c.relative_attention_num_buckets = 8;
  c.relative_attention_max_distance = 16;
  c.gated = v1_1;
  c.activation = v1_1 ? Activation::GeluTanh : Activation::ReLU;
  c.tie_embeddings = !v1_1;
  return c;
}

inline ModelConfig tiny_llama_config(bool tied = false) {
  ModelConfig c = style_defaults(ModelStyle::Llama);
  c.vocab_size = 48;
  c.d_model = 16;
  c.d_ff = 40;
  c.n_heads = 4;
  c.d_kv = 4;
  c.n_kv_heads = 2;
  c.n_decoder_layers = 2;
  c.max_positions = 64;
  c.tie_embeddings = tied;
  return c;
}

// A batch without padding: every token in [1, vocab).
inline EncoderDecoderBatch t5_batch(int64_t vocab, uint64_t seed) {
  EncoderDecoderBatch b;
  b.encoder_input_tokens = random_ints({2, 7}, seed, vocab - 1);
  b.decoder_target_tokens = random_ints({2, 5}, seed + 1, vocab - 1);
  b.decoder_input_tokens = random_ints({2, 5}, seed + 2, vocab - 1);
  for (Tensor* t : {&b.encoder_input_tokens, &b.decoder_target_tokens, &b.decoder_input_tokens}) {
    int32_t* p = t->data<int32_t>();
    for (int64_t i = 0; i < t->numel(); ++i) p[i] += 1;
  }
  return b;
}

inline bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.is_contiguous() && b.is_contiguous() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// A fresh directory under the system temp dir, removed with the object.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
            ("hone_checkpoint_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

}  // namespace hone::testing
