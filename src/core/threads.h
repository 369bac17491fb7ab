#pragma once
// One thread setting for everything: our OpenMP kernels and OpenBLAS (its OpenMP build) share the
// same libgomp pool, so a GEMM inside one of our parallel regions runs single-threaded and the machine
// is never oversubscribed. Default: HONE_THREADS, else OMP_NUM_THREADS, else all cores.
namespace hone {

void set_num_threads(int n);
int num_threads();

}  // namespace hone
