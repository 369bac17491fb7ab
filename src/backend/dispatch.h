#pragma once
// How a kernel picks its backend: every tensor argument must live on one device, and that device's
// implementation runs. Each kernel family has a header here (backend/norm.h, ...) declaring the
// device-neutral entry points, a .cpp that dispatches, and the CPU code in backend/cpu/. A CUDA
// backend adds a second branch to the dispatchers; layer code does not change.
#include <initializer_list>

#include "core/tensor.h"

namespace hone {

// The device shared by all defined tensors; throws naming the kernel if they disagree.
Device common_device(const char* kernel, std::initializer_list<const Tensor*> tensors);
[[noreturn]] void unsupported_device(const char* kernel, Device device);

// Calls body(scalar_t{}) with scalar_t = float for F32 or double for F64, the dtypes kernels compute in:
//   dispatch_float(x.dtype(), "rmsnorm", [&](auto zero) {
//     using scalar_t = decltype(zero);
//     #pragma omp parallel for   // pragmas are fine here (they are not inside a macro argument)
//     ...
//   });
template <class Body>
decltype(auto) dispatch_float(DType dtype, const char* kernel, Body&& body) {
  switch (dtype) {
    case DType::F32: return body(float{});
    case DType::F64: return body(double{});
    default: fail(kernel, ": unsupported dtype ", dtype_name(dtype), " (F32 or F64 expected)");
  }
}

// Checks that all defined tensors share one dtype and returns it.
DType common_dtype(const char* kernel, std::initializer_list<const Tensor*> tensors);

}  // namespace hone
