#pragma once
// Matrix products through BLAS. Tensors are row-major with a unit stride in the last dimension; the
// leading dimension is taken from stride(-2), so slices of wider matrices work without copies.
#include "core/tensor.h"

namespace hone {

enum class Trans { No, Yes };

// c = alpha * op(a) @ op(b) + beta * c, with a, b, c 2-D.
void gemm(const Tensor& a, Trans trans_a, const Tensor& b, Trans trans_b, const Tensor& c, double alpha = 1.0,
          double beta = 0.0);

// The same for each index of the leading (batch) dimension of 3-D tensors. A batch size of 1 in a
// or b broadcasts one matrix to every batch. Small matrices run one per thread, large ones one at a time
// with BLAS threading.
void gemm_batched(const Tensor& a, Trans trans_a, const Tensor& b, Trans trans_b, const Tensor& c,
                  double alpha = 1.0, double beta = 0.0);

}  // namespace hone
