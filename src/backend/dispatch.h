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

// Runs body with `scalar_t` bound to float (F32) or double (F64), the dtypes kernels compute in.
#define HONE_FLOAT_DISPATCH(dtype, kernel, ...)                                                          \
  [&] {                                                                                                  \
    switch (dtype) {                                                                                     \
      case ::hone::DType::F32: {                                                                         \
        using scalar_t = float;                                                                          \
        return __VA_ARGS__();                                                                            \
      }                                                                                                  \
      case ::hone::DType::F64: {                                                                         \
        using scalar_t = double;                                                                         \
        return __VA_ARGS__();                                                                            \
      }                                                                                                  \
      default:                                                                                           \
        ::hone::fail(kernel, ": unsupported dtype ", ::hone::dtype_name(dtype), " (F32 or F64 expected)"); \
    }                                                                                                    \
  }()

// Checks that all defined tensors share one dtype and returns it.
DType common_dtype(const char* kernel, std::initializer_list<const Tensor*> tensors);

}  // namespace hone
