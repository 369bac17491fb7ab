#pragma once
// Shared helpers for the attention tests: integer mask tensors and the kernel variants exercised by the
// finite-difference, PyTorch-parity and determinism tests.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "backend/attention.h"
#include "support/torch_reference.h"

namespace hone::testing {

inline Tensor int_tensor(const Shape& shape, const std::vector<int32_t>& values) {
  Tensor t = Tensor::empty(shape, DType::I32);
  HONE_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "int_tensor: wrong value count");
  std::copy(values.begin(), values.end(), t.data<int32_t>());
  return t;
}

struct Variant {
  std::string name;
  int64_t batch = 2, tq = 5, tk = 5, hq = 2, hkv = 2, d = 3;
  double scale = 0.5;
  bool causal = false, prefix = false, key_valid = false, key_lengths = false, segments = false, bias = false;
};

inline void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

inline std::vector<Variant> kernel_variants() {
  std::vector<Variant> v;
  auto add = [&](Variant x) { v.push_back(x); };
  add({.name = "bidirectional"});
  add({.name = "causal", .causal = true});
  add({.name = "prefix_lm", .causal = true, .prefix = true});
  add({.name = "padding_valid", .key_valid = true});
  add({.name = "padding_lengths_with_empty_row", .key_lengths = true});
  add({.name = "segments", .segments = true});
  add({.name = "segments_causal", .causal = true, .segments = true});
  add({.name = "segments_prefix_lm", .causal = true, .prefix = true, .segments = true});
  add({.name = "gqa", .hq = 4, .hkv = 2, .causal = true});
  add({.name = "mqa", .hq = 3, .hkv = 1, .key_valid = true});
  add({.name = "bias_bidirectional", .scale = 1.0, .bias = true});
  add({.name = "bias_causal", .scale = 1.0, .causal = true, .bias = true});
  add({.name = "cross", .tq = 4, .tk = 6, .key_valid = true, .bias = true});
  add({.name = "cross_segments", .tq = 4, .tk = 6, .segments = true});
  add({.name = "everything", .hq = 4, .hkv = 2, .causal = true, .prefix = true, .key_valid = true, .segments = true,
       .bias = true});
  return v;
}

// Deterministic masks for a variant (batch 2): batch 0 has padding / several segments, batch 1 less.
struct MaskTensors {
  AttentionMask mask;
  TensorMap named;  // the same tensors under the reference's names
};

inline std::vector<int32_t> segment_ids(int64_t batch, int64_t length) {
  std::vector<int32_t> ids;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < length; ++j)
      ids.push_back(b % 2 == 0 ? (j < 2 ? 1 : (j < length - 1 ? 2 : 0)) : (j < 3 ? 1 : 2));
  return ids;
}

inline MaskTensors make_mask(const Variant& v) {
  MaskTensors m;
  m.mask.causal = v.causal;
  if (v.prefix) {
    std::vector<int32_t> flags;
    for (int64_t b = 0; b < v.batch; ++b)
      for (int64_t j = 0; j < v.tq; ++j) flags.push_back(j < 2 + b ? 1 : 0);
    m.mask.prefix = m.named["prefix"] = int_tensor({v.batch, v.tq}, flags);
  }
  if (v.key_valid) {
    std::vector<int32_t> valid;
    for (int64_t b = 0; b < v.batch; ++b)
      for (int64_t j = 0; j < v.tk; ++j) valid.push_back(b % 2 == 0 ? (j < 3 ? 1 : 0) : (j != 1 ? 1 : 0));
    m.mask.key_valid = m.named["key_valid"] = int_tensor({v.batch, v.tk}, valid);
  }
  if (v.key_lengths) {
    std::vector<int32_t> lengths;
    for (int64_t b = 0; b < v.batch; ++b) lengths.push_back(b % 2 == 0 ? 0 : static_cast<int32_t>(v.tk - 2));
    m.mask.key_lengths = m.named["key_lengths"] = int_tensor({v.batch}, lengths);
  }
  if (v.segments) {
    m.mask.query_segments = m.named["query_segments"] = int_tensor({v.batch, v.tq}, segment_ids(v.batch, v.tq));
    m.mask.key_segments = m.named["key_segments"] = int_tensor({v.batch, v.tk}, segment_ids(v.batch, v.tk));
  }
  return m;
}

inline nlohmann::json variant_config(const Variant& v) {
  return {{"n_heads", v.hq}, {"n_kv_heads", v.hkv}, {"scale", v.scale}, {"causal", v.causal}};
}

}  // namespace hone::testing
