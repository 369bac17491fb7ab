#include "backend/cpu/embedding_cpu.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "backend/dispatch.h"

namespace hone::cpu {
namespace {

// Checks shapes and that every id names a row; done before any parallel region because exceptions
// cannot leave one.
void check_ids(const char* kernel, const Tensor& ids, const Tensor& rows, int64_t vocab, int64_t d) {
  HONE_CHECK(ids.dtype() == DType::I32, kernel, ": token ids must be I32, got ", ids.describe());
  HONE_CHECK(ids.is_contiguous() && rows.is_contiguous(), kernel, ": contiguous tensors expected, got ids ",
             ids.describe(), " and ", rows.describe());
  Shape expected = ids.shape();
  expected.push_back(d);
  HONE_CHECK(rows.shape() == expected, kernel, ": ids ", ids.describe(), " with embedding width ", d,
             " need a tensor of shape ", shape_str(expected), ", got ", rows.describe());
  const int32_t* p = ids.data<int32_t>();
  for (int64_t i = 0; i < ids.numel(); ++i) {
    HONE_CHECK(p[i] >= 0 && p[i] < vocab, kernel, ": token id ", p[i], " at position ", i,
               " is outside the vocabulary [0, ", vocab,
               "); check that the tokenizer matches the model's vocab_size (and that padding uses a valid id)");
  }
}

void check_table(const char* kernel, const Tensor& table) {
  HONE_CHECK(table.dim() == 2 && table.is_contiguous(), kernel, ": table must be a contiguous [vocab, d] matrix, got ",
             table.describe());
}

}  // namespace

void embedding_forward(const Tensor& table, const Tensor& ids, const Tensor& out) {
  check_table("embedding_forward", table);
  const int64_t vocab = table.size(0), d = table.size(1);
  check_ids("embedding_forward", ids, out, vocab, d);
  dispatch_float(common_dtype("embedding_forward", {&table, &out}), "embedding_forward", [&](auto zero) {
    using scalar_t = decltype(zero);
    const scalar_t* pt = table.data<scalar_t>();
    const int32_t* pid = ids.data<int32_t>();
    scalar_t* po = out.data<scalar_t>();
    const int64_t n = ids.numel();
#pragma omp parallel for schedule(static) if (n * d > 65536)
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(po + i * d, pt + static_cast<int64_t>(pid[i]) * d, static_cast<size_t>(d) * sizeof(scalar_t));
    }
  });
}

void embedding_backward(const Tensor& ids, const Tensor& dy, const Tensor& dtable) {
  check_table("embedding_backward", dtable);
  const int64_t vocab = dtable.size(0), d = dtable.size(1);
  check_ids("embedding_backward", ids, dy, vocab, d);
  dispatch_float(common_dtype("embedding_backward", {&dy, &dtable}), "embedding_backward", [&](auto zero) {
    using scalar_t = decltype(zero);
    const int32_t* pid = ids.data<int32_t>();
    const scalar_t* pdy = dy.data<scalar_t>();
    scalar_t* pdt = dtable.data<scalar_t>();
    const int64_t n = ids.numel();
    // Work is split into (vocabulary range x column block) tiles; a tile's owner walks all positions in
    // order and adds the rows whose id falls in its range. Every output element therefore has one owner
    // and sums in position order: no atomics, and the same bits for any thread count. Column blocks
    // (whole cache lines) balance skewed token frequencies; vocabulary ranges add parallelism when d is
    // narrow.
    constexpr int64_t kMinColumns = 64 / sizeof(scalar_t);
    const int64_t threads = (n * d > 65536) ? omp_get_max_threads() : 1;
    const int64_t column_blocks = std::clamp<int64_t>(d / kMinColumns, 1, threads);
    const int64_t vocab_ranges = std::min<int64_t>(vocab, (threads + column_blocks - 1) / column_blocks);
    const int64_t tiles = column_blocks * vocab_ranges;
#pragma omp parallel for schedule(static) if (tiles > 1)
    for (int64_t tile = 0; tile < tiles; ++tile) {
      const int64_t cb = tile % column_blocks, vr = tile / column_blocks;
      const int64_t c0 = d * cb / column_blocks, c1 = d * (cb + 1) / column_blocks;
      const int64_t v0 = vocab * vr / vocab_ranges, v1 = vocab * (vr + 1) / vocab_ranges;
      for (int64_t i = 0; i < n; ++i) {
        const int64_t v = pid[i];
        if (v < v0 || v >= v1) continue;
        scalar_t* dst = pdt + v * d;
        const scalar_t* src = pdy + i * d;
#pragma omp simd
        for (int64_t c = c0; c < c1; ++c) dst[c] += src[c];
      }
    }
  });
}

}  // namespace hone::cpu
