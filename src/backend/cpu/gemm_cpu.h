#pragma once
#include "backend/gemm.h"

namespace hone::cpu {

void gemm(const Tensor& a, Trans trans_a, const Tensor& b, Trans trans_b, const Tensor& c, double alpha, double beta);
void gemm_batched(const Tensor& a, Trans trans_a, const Tensor& b, Trans trans_b, const Tensor& c, double alpha,
                  double beta);

}  // namespace hone::cpu
