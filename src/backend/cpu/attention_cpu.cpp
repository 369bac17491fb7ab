#include "backend/cpu/attention_cpu.h"

#include <cstdint>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "backend/cpu/gemm_cpu.h"
#include "backend/cpu/vector_math.h"
#include "backend/dispatch.h"

namespace hone::cpu {
namespace {

// Query rows (forward, dq) and key rows (dk, dv) handled per task; one GEMM per (batch, head, block).
constexpr int64_t kQueryBlock = 64;
constexpr int64_t kKeyBlock = 64;


// Integer flags of a mask tensor as int32 (contiguous, one of the integer / Bool dtypes).
std::vector<int32_t> read_flags(const Tensor& t, const Shape& expected, const char* what) {
  HONE_CHECK(t.shape() == expected, "attention: ", what, " must have shape ", shape_str(expected), ", got ",
             t.describe());
  HONE_CHECK(t.is_contiguous(), "attention: ", what, " must be contiguous, got ", t.describe());
  std::vector<int32_t> out(static_cast<size_t>(t.numel()));
  const int64_t n = t.numel();
  switch (t.dtype()) {
    case DType::I32: std::memcpy(out.data(), t.raw_data(), n * sizeof(int32_t)); break;
    case DType::I64: {
      const int64_t* p = static_cast<const int64_t*>(t.raw_data());
      for (int64_t i = 0; i < n; ++i) {
        HONE_CHECK(p[i] >= INT32_MIN && p[i] <= INT32_MAX, "attention: ", what, " value ", p[i], " out of the 32-bit range");
        out[i] = static_cast<int32_t>(p[i]);
      }
      break;
    }
    case DType::U8:
    case DType::Bool: {
      const uint8_t* p = static_cast<const uint8_t*>(t.raw_data());
      for (int64_t i = 0; i < n; ++i) out[i] = p[i];
      break;
    }
    default: fail("attention: ", what, " must be I32, I64, U8 or Bool, got ", dtype_name(t.dtype()));
  }
  return out;
}

struct Dims {
  int64_t batch, tq, tk, hq, hkv, d, group;
  // Below ~1M multiply-adds a parallel region costs more than it saves, and on a busy machine its
  // barrier can cost a scheduler time slice: run small attention on the calling thread.
  bool worth_threads() const { return batch * hq * tq * tk * d >= (int64_t{1} << 20); }
};

Dims check_inputs(const char* kernel, const Tensor& q, const Tensor& k, const Tensor& v, const AttentionShape& s) {
  HONE_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3, kernel, ": q, k, v must be [B, T, heads*d_kv], got ",
             q.describe(), ", ", k.describe(), ", ", v.describe());
  HONE_CHECK(s.n_heads > 0 && s.n_kv_heads > 0 && s.d_kv > 0, kernel, ": n_heads, n_kv_heads and d_kv must be positive, got ",
             s.n_heads, ", ", s.n_kv_heads, ", ", s.d_kv);
  HONE_CHECK(s.n_heads % s.n_kv_heads == 0, kernel, ": n_heads (", s.n_heads, ") must be a multiple of n_kv_heads (",
             s.n_kv_heads, ") for grouped-query attention");
  HONE_CHECK(q.size(2) == s.n_heads * s.d_kv, kernel, ": q ", q.describe(), " must end in n_heads*d_kv = ",
             s.n_heads * s.d_kv);
  HONE_CHECK(k.size(2) == s.n_kv_heads * s.d_kv, kernel, ": k ", k.describe(), " must end in n_kv_heads*d_kv = ",
             s.n_kv_heads * s.d_kv);
  HONE_CHECK(v.shape() == k.shape(), kernel, ": v ", v.describe(), " must have the shape of k ", k.describe());
  HONE_CHECK(k.size(0) == q.size(0), kernel, ": batch sizes of q ", q.describe(), " and k ", k.describe(), " differ");
  for (const Tensor* t : {&q, &k, &v})
    HONE_CHECK(t->stride(2) == 1, kernel, ": the last dimension must be contiguous in ", t->describe());
  return {q.size(0), q.size(1), k.size(1), s.n_heads, s.n_kv_heads, s.d_kv, s.n_heads / s.n_kv_heads};
}

void check_contiguous(const char* kernel, const Tensor& t, const Shape& shape, const char* what) {
  HONE_CHECK(t.defined(), kernel, ": ", what, " is missing");
  HONE_CHECK(t.shape() == shape && t.is_contiguous(), kernel, ": ", what, " must be contiguous ", shape_str(shape),
             ", got ", t.describe());
}

// The mask rules, flattened to int32 per token for fast row loops.
struct MaskPlan {
  bool causal = false, prefix = false, segments = false;
  std::vector<int32_t> prefix_flags;  // [B, T]
  std::vector<int32_t> key_ok;        // [B, Tk]: valid and not in segment 0
  std::vector<int32_t> query_segment, key_segment;
};

MaskPlan plan_mask(const AttentionMask& m, const Dims& n) {
  MaskPlan plan;
  plan.causal = m.causal;
  if (m.causal)
    HONE_CHECK(n.tq == n.tk, "attention: a causal mask needs as many queries as keys, got Tq=", n.tq, ", Tk=", n.tk);
  if (m.prefix.defined()) {
    HONE_CHECK(m.causal, "attention: a prefix-LM mask (prefix flags) needs causal = true");
    plan.prefix = true;
    plan.prefix_flags = read_flags(m.prefix, {n.batch, n.tq}, "prefix");
  }
  plan.key_ok.assign(static_cast<size_t>(n.batch * n.tk), 1);
  if (m.key_valid.defined()) {
    std::vector<int32_t> valid = read_flags(m.key_valid, {n.batch, n.tk}, "key_valid");
    for (size_t i = 0; i < valid.size(); ++i) plan.key_ok[i] = valid[i] != 0;
  }
  if (m.key_lengths.defined()) {
    std::vector<int32_t> lengths = read_flags(m.key_lengths, {n.batch}, "key_lengths");
    for (int64_t b = 0; b < n.batch; ++b) {
      HONE_CHECK(lengths[b] >= 0, "attention: key_lengths[", b, "] is ", lengths[b], "; lengths cannot be negative");
      for (int64_t j = lengths[b]; j < n.tk; ++j) plan.key_ok[b * n.tk + j] = 0;
    }
  }
  HONE_CHECK(m.query_segments.defined() == m.key_segments.defined(),
             "attention: give both query_segments and key_segments for packed sequences, or neither");
  if (m.query_segments.defined()) {
    plan.segments = true;
    plan.query_segment = read_flags(m.query_segments, {n.batch, n.tq}, "query_segments");
    plan.key_segment = read_flags(m.key_segments, {n.batch, n.tk}, "key_segments");
    for (size_t i = 0; i < plan.key_segment.size(); ++i)
      if (plan.key_segment[i] == 0) plan.key_ok[i] = 0;
  }
  return plan;
}

// Keys past this one are masked for every query row below `row_end` (causal without a prefix).
int64_t key_end(const MaskPlan& plan, int64_t row_end, int64_t tk) {
  return plan.causal && !plan.prefix ? std::min(tk, row_end) : tk;
}

// A [rows, cols] block of a head: rows of `t` (batch b) from r0, columns of head h.
Tensor head_rows(const Tensor& t, int64_t b, int64_t h, int64_t d, int64_t r0, int64_t r1) {
  return t.select(0, b).slice(0, r0, r1).slice(1, h * d, (h + 1) * d);
}
Tensor score_rows(const Tensor& scores, int64_t b, int64_t h, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  return scores.select(0, b).select(0, h).slice(0, r0, r1).slice(1, c0, c1);
}

template <class T>
void forward_impl(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias, const MaskPlan& plan,
                  const Dims& n, double scale, const Tensor& output, const Tensor& probs) {
  T* pp = probs.data<T>();
  const T* pbias = bias.defined() ? bias.data<T>() : nullptr;
  const int64_t bias_s0 = bias.defined() ? bias.stride(0) : 0, bias_s1 = bias.defined() ? bias.stride(1) : 0;
  const int64_t q_blocks = (n.tq + kQueryBlock - 1) / kQueryBlock;
  const int64_t tasks = n.batch * n.hq * q_blocks;
  const T neg_inf = -std::numeric_limits<T>::infinity();
#pragma omp parallel for schedule(dynamic, 1) if (n.worth_threads())
  for (int64_t task = 0; task < tasks; ++task) {
    const int64_t b = task / (n.hq * q_blocks), h = (task / q_blocks) % n.hq, blk = task % q_blocks;
    const int64_t q0 = blk * kQueryBlock, q1 = std::min(n.tq, q0 + kQueryBlock), kv_head = h / n.group;
    const int64_t kend = key_end(plan, q1, n.tk);
    Tensor p_block = score_rows(probs, b, h, q0, q1, 0, kend);
    if (kend > 0)
      cpu::gemm(head_rows(q, b, h, n.d, q0, q1), Trans::No, head_rows(k, b, kv_head, n.d, 0, kend), Trans::Yes,
                p_block, scale, 0.0);
    const int32_t* key_ok = plan.key_ok.data() + b * n.tk;
    const int32_t* key_seg = plan.segments ? plan.key_segment.data() + b * n.tk : nullptr;
    const int32_t* prefix = plan.prefix ? plan.prefix_flags.data() + b * n.tq : nullptr;
    for (int64_t i = q0; i < q1; ++i) {
      T* row = pp + ((b * n.hq + h) * n.tq + i) * n.tk;
      const T* brow = pbias ? pbias + h * bias_s0 + i * bias_s1 : nullptr;
      const int32_t query_seg = key_seg ? plan.query_segment[b * n.tq + i] : 0;
      const bool query_prefix = prefix && prefix[i];
      T row_max = neg_inf;
      for (int64_t j = 0; j < kend; ++j) {
        bool ok = key_ok[j] != 0;
        if (key_seg) ok = ok && key_seg[j] == query_seg;
        if (plan.causal) ok = ok && (j <= i || (query_prefix && prefix[j]));
        const T s = ok ? row[j] + (brow ? brow[j] : T(0)) : neg_inf;
        row[j] = s;
        row_max = std::max(row_max, s);
      }
      if (row_max == neg_inf) {  // no allowed key: the row outputs 0
        std::fill(row, row + n.tk, T(0));
        continue;
      }
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t j = 0; j < kend; ++j) {
        const T e = row[j] == neg_inf ? T(0) : exp_of(row[j] - row_max);
        row[j] = e;
        sum += e;
      }
      const T inv = T(1) / sum;
#pragma omp simd
      for (int64_t j = 0; j < kend; ++j) row[j] *= inv;
      std::fill(row + kend, row + n.tk, T(0));
    }
    Tensor out_block = head_rows(output, b, h, n.d, q0, q1);
    if (kend > 0)
      cpu::gemm(p_block, Trans::No, head_rows(v, b, kv_head, n.d, 0, kend), Trans::No, out_block, 1.0, 0.0);
    else
      for (int64_t i = q0; i < q1; ++i) std::fill_n(output.data<T>() + (b * n.tq + i) * n.hq * n.d + h * n.d, n.d, T(0));
  }
}

template <class T>
void backward_impl(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& probs, const Tensor& d_output,
                   const Dims& n, double scale, bool causal_only, const Tensor& dq, const Tensor& dk,
                   const Tensor& dv, const Tensor& bias_grad, const Tensor& scores_grad) {
  const T* pp = probs.data<T>();
  T* pds = scores_grad.data<T>();
  // Pass 1, one task per (batch, query head, query block): dP = dO v^T, dS = P (dP - rowsum(P dP)),
  // dq = scale dS k. Each task owns its rows of dS and dq.
  const int64_t q_blocks = (n.tq + kQueryBlock - 1) / kQueryBlock;
  const int64_t q_tasks = n.batch * n.hq * q_blocks;
#pragma omp parallel for schedule(dynamic, 1) if (n.worth_threads())
  for (int64_t task = 0; task < q_tasks; ++task) {
    const int64_t b = task / (n.hq * q_blocks), h = (task / q_blocks) % n.hq, blk = task % q_blocks;
    const int64_t q0 = blk * kQueryBlock, q1 = std::min(n.tq, q0 + kQueryBlock), kv_head = h / n.group;
    const int64_t kend = causal_only ? std::min(n.tk, q1) : n.tk;
    Tensor ds_block = score_rows(scores_grad, b, h, q0, q1, 0, kend);
    Tensor dq_block = head_rows(dq, b, h, n.d, q0, q1);
    if (kend == 0) {
      for (int64_t i = q0; i < q1; ++i) {
        std::fill_n(pds + ((b * n.hq + h) * n.tq + i) * n.tk, n.tk, T(0));
        std::fill_n(dq.data<T>() + (b * n.tq + i) * n.hq * n.d + h * n.d, n.d, T(0));
      }
      continue;
    }
    cpu::gemm(head_rows(d_output, b, h, n.d, q0, q1), Trans::No, head_rows(v, b, kv_head, n.d, 0, kend), Trans::Yes,
              ds_block, 1.0, 0.0);
    for (int64_t i = q0; i < q1; ++i) {
      const T* prow = pp + ((b * n.hq + h) * n.tq + i) * n.tk;
      T* drow = pds + ((b * n.hq + h) * n.tq + i) * n.tk;
      T dot = 0;
#pragma omp simd reduction(+ : dot)
      for (int64_t j = 0; j < kend; ++j) dot += prow[j] * drow[j];
#pragma omp simd
      for (int64_t j = 0; j < kend; ++j) drow[j] = prow[j] * (drow[j] - dot);
      std::fill(drow + kend, drow + n.tk, T(0));
    }
    cpu::gemm(ds_block, Trans::No, head_rows(k, b, kv_head, n.d, 0, kend), Trans::No, dq_block, scale, 0.0);
  }

  // Pass 2, one task per (batch, kv head, key block): dv = sum over the group's query heads of P^T dO,
  // dk = scale sum dS^T q, heads added in order.
  const int64_t k_blocks = (n.tk + kKeyBlock - 1) / kKeyBlock;
  const int64_t k_tasks = n.batch * n.hkv * k_blocks;
#pragma omp parallel for schedule(dynamic, 1) if (n.worth_threads())
  for (int64_t task = 0; task < k_tasks; ++task) {
    const int64_t b = task / (n.hkv * k_blocks), kv_head = (task / k_blocks) % n.hkv, blk = task % k_blocks;
    const int64_t k0 = blk * kKeyBlock, k1 = std::min(n.tk, k0 + kKeyBlock);
    // Under a plain causal mask queries before k0 see none of these keys.
    const int64_t qstart = causal_only ? k0 : 0;
    Tensor dv_block = head_rows(dv, b, kv_head, n.d, k0, k1), dk_block = head_rows(dk, b, kv_head, n.d, k0, k1);
    for (int64_t g = 0; g < n.group; ++g) {
      const int64_t h = kv_head * n.group + g;
      const double beta = g == 0 ? 0.0 : 1.0;
      cpu::gemm(score_rows(probs, b, h, qstart, n.tq, k0, k1), Trans::Yes, head_rows(d_output, b, h, n.d, qstart, n.tq),
                Trans::No, dv_block, 1.0, beta);
      cpu::gemm(score_rows(scores_grad, b, h, qstart, n.tq, k0, k1), Trans::Yes, head_rows(q, b, h, n.d, qstart, n.tq),
                Trans::No, dk_block, scale, beta);
    }
  }

  // Pass 3: the bias gradient, summed over the batch in order; threads own rows (head, query).
  if (bias_grad.defined()) {
    T* pdb = bias_grad.data<T>();
    const int64_t rows = n.hq * n.tq;
#pragma omp parallel for schedule(static) if (n.worth_threads())
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t h = r / n.tq, i = r % n.tq;
      T* out = pdb + r * n.tk;
      for (int64_t b = 0; b < n.batch; ++b) {
        const T* src = pds + ((b * n.hq + h) * n.tq + i) * n.tk;
#pragma omp simd
        for (int64_t j = 0; j < n.tk; ++j) out[j] += src[j];
      }
    }
  }
}

}  // namespace

void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                       const AttentionMask& mask, const AttentionShape& shape, const Tensor& output,
                       const Tensor& probs) {
  const char* kernel = "attention_forward";
  Dims n = check_inputs(kernel, q, k, v, shape);
  check_contiguous(kernel, output, {n.batch, n.tq, n.hq * n.d}, "output");
  check_contiguous(kernel, probs, {n.batch, n.hq, n.tq, n.tk}, "probs");
  if (bias.defined())
    HONE_CHECK(bias.shape() == Shape({n.hq, n.tq, n.tk}) && bias.stride(2) == 1, kernel, ": bias must be [n_heads, Tq, Tk] = ",
               shape_str({n.hq, n.tq, n.tk}), " with a contiguous last dimension, got ", bias.describe());
  MaskPlan plan = plan_mask(mask, n);
  DType dtype = common_dtype(kernel, {&q, &k, &v, &bias, &output, &probs});
  if (n.batch * n.tq == 0) return;
  dispatch_float(dtype, kernel, [&](auto zero) {
    forward_impl<decltype(zero)>(q, k, v, bias, plan, n, shape.scale, output, probs);
  });
}

void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& probs,
                        const AttentionMask& mask, const Tensor& d_output, const AttentionShape& shape, const Tensor& dq, const Tensor& dk,
                        const Tensor& dv, const Tensor& bias_grad, const Tensor& scores_grad) {
  const char* kernel = "attention_backward";
  Dims n = check_inputs(kernel, q, k, v, shape);
  check_contiguous(kernel, probs, {n.batch, n.hq, n.tq, n.tk}, "probs");
  check_contiguous(kernel, scores_grad, {n.batch, n.hq, n.tq, n.tk}, "scores_grad");
  HONE_CHECK(d_output.shape() == Shape({n.batch, n.tq, n.hq * n.d}) && d_output.stride(2) == 1, kernel,
             ": d_output must be ", shape_str({n.batch, n.tq, n.hq * n.d}), " with a contiguous last dimension, got ",
             d_output.describe());
  check_contiguous(kernel, dq, q.shape(), "dq");
  check_contiguous(kernel, dk, k.shape(), "dk");
  check_contiguous(kernel, dv, v.shape(), "dv");
  if (bias_grad.defined()) check_contiguous(kernel, bias_grad, {n.hq, n.tq, n.tk}, "bias_grad");
  DType dtype = common_dtype(kernel, {&q, &k, &v, &probs, &d_output, &dq, &dk, &dv, &bias_grad, &scores_grad});
  if (n.batch == 0) return;
  // The probabilities carry the mask (masked entries are exactly 0); the mask only tells backward that
  // a plain causal mask lets it skip the all-zero upper triangle.
  const bool causal_only = mask.causal && !mask.prefix.defined();
  if (mask.causal) HONE_CHECK(n.tq == n.tk, kernel, ": a causal mask needs as many queries as keys");
  dispatch_float(dtype, kernel, [&](auto zero) {
    backward_impl<decltype(zero)>(q, k, v, probs, d_output, n, shape.scale, causal_only, dq, dk, dv, bias_grad,
                            scores_grad);
  });
}

}  // namespace hone::cpu
