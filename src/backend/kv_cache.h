#pragma once
// Kernels for generation with a key/value cache: rows of a batch sit at different positions (prompts
// of different lengths), so writes into the cache, reads of each row's last hidden state and the
// position counters are per row.
#include <cstdint>

#include "core/tensor.h"

namespace hone {

// cache [B, capacity, D] (last dimension contiguous): cache[b, positions[b] + t, :] = values[b, t, :] for
// values [B, T, D]; positions I32 [B]. A write past the capacity is an error.
void write_cache_rows(const Tensor& values, const Tensor& positions, const Tensor& cache);
// out [B, 1, D] (contiguous, overwritten) = x[b, index[b] + offset, :] for x [B, T, D], index I32 [B].
void gather_rows(const Tensor& x, const Tensor& index, int64_t offset, const Tensor& out);
// counters I32 [...] (contiguous) += delta.
void advance_counters(const Tensor& counters, int32_t delta);

}  // namespace hone
