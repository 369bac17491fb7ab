#pragma once
// T5 relative position bias: bias[h, i, j] = table[bucket(j - i), h] for query i and key j.
#include "core/tensor.h"

namespace hone {

// Throws unless the bucket function is well defined: num_buckets >= 4 and max_distance above the
// largest exact distance (num_buckets/4 for bidirectional buckets, num_buckets/2 for causal ones;
// otherwise the logarithmic part divides by a log <= 0 and buckets fall outside the table).
void check_relative_position_buckets(const char* what, int64_t num_buckets, int64_t max_distance, bool bidirectional);

// Hugging Face T5Attention._relative_position_bucket for one relative position (key - query).
// Bidirectional (encoder): half the buckets for keys after the query. Unidirectional (decoder): only
// keys at or before the query are distinguished, later ones share bucket 0. Positions below
// num_buckets/4 (bidirectional) or num_buckets/2 get one bucket each, larger ones log-spaced buckets up
// to max_distance; the log term is computed in fp32 as in the reference, so boundaries match exactly.
int64_t relative_position_bucket(int64_t relative_position, bool bidirectional, int64_t num_buckets,
                                 int64_t max_distance);

// table [num_buckets, H] -> bias [H, Tq, Tk] (contiguous, overwritten).
void position_bias_forward(const Tensor& table, bool bidirectional, int64_t max_distance, const Tensor& bias);
// table_grad [num_buckets, H] += the sum of d_bias [H, Tq, Tk] over the positions of each bucket, in a
// fixed order (deterministic for any thread count).
void position_bias_backward(const Tensor& d_bias, bool bidirectional, int64_t max_distance, const Tensor& table_grad);

}  // namespace hone
