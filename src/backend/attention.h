#pragma once
// Fused scaled-dot-product attention over heads packed in the last dimension.
//
//   q [B, Tq, Hq*d_kv], k and v [B, Tk, Hkv*d_kv], output [B, Tq, Hq*d_kv]
//
// q, k, v are read in place through their strides (only the last dimension must be contiguous), so
// slices of a fused QKV projection work without copies. Query head h reads key/value head
// h / (Hq / Hkv): grouped-query (Hkv < Hq) and multi-query (Hkv = 1) attention.
//
//   scores = scale * q k^T + bias[h]   (bias [Hq, Tq, Tk], optional, broadcast over the batch)
//   probs  = softmax over the allowed keys of each row; output = probs v
//
// Masks combine (a key is allowed only if every active rule allows it):
//   causal         key j <= query i (needs Tq == Tk)
//   prefix [B, T]  with causal: prefix-LM in seqio's decoder_causal_attention form,
//                  allowed(i, j) = j <= i OR (prefix[i] AND prefix[j])
//   key_valid [B, Tk] nonzero = a real key;  key_lengths [B]: keys j < length are real
//   query_segments [B, Tq], key_segments [B, Tk]: packed sequences, a query sees only keys of its own
//                  segment; segment 0 is padding and sees / is seen by nothing
// Masks may be I32, I64, U8 or Bool. A row with no allowed key outputs 0 and gets 0 gradient (softmax
// over an empty set is undefined; the PyTorch reference in tests does the same).
//
// Saved for backward: the probabilities [B, Hq, Tq, Tk] in the compute dtype (B*Hq*Tq*Tk elements,
// 32 MiB in fp32 at B=4, H=8, T=512). Keeping them instead of recomputing from a logsumexp makes the
// backward four GEMMs with no recomputation, the faster choice at the lengths T5 and Llama train at.
// Deterministic: every output element has one owner thread and sums run in a fixed order.
#include "core/tensor.h"

namespace hone {

struct AttentionMask {
  bool causal = false;
  Tensor prefix;          // [B, T] prefix-LM flags (only with causal)
  Tensor key_valid;       // [B, Tk]
  Tensor key_lengths;     // [B]
  Tensor query_segments;  // [B, Tq]
  Tensor key_segments;    // [B, Tk]
};

struct AttentionShape {
  int64_t n_heads = 1;     // query heads Hq
  int64_t n_kv_heads = 1;  // key/value heads Hkv, divides Hq
  int64_t d_kv = 0;        // per-head width
  double scale = 1.0;      // T5: 1.0; Llama / GPT-2: 1 / sqrt(d_kv)
};

// Writes output [B, Tq, Hq*d_kv] and probs [B, Hq, Tq, Tk] (both contiguous, overwritten).
void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                       const AttentionMask& mask, const AttentionShape& shape, const Tensor& output,
                       const Tensor& probs);

// From d_output (mask: the one forward used) [B, Tq, Hq*d_kv] (last dimension contiguous) writes (overwrites) dq, dk, dv (contiguous,
// shaped like q, k, v) and, if bias_grad is defined, ACCUMULATES the bias gradient summed over the
// batch into it [Hq, Tq, Tk]. scores_grad [B, Hq, Tq, Tk] is workspace (overwritten with the gradient
// of the pre-softmax scores). probs are the forward's saved probabilities and stay unchanged.
void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& probs,
                        const AttentionMask& mask, const Tensor& d_output, const AttentionShape& shape, const Tensor& dq, const Tensor& dk,
                        const Tensor& dv, const Tensor& bias_grad, const Tensor& scores_grad);

}  // namespace hone
