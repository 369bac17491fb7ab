#include "backend/dispatch.h"

namespace hone {

Device common_device(const char* kernel, std::initializer_list<const Tensor*> tensors) {
  bool found = false;
  Device device;
  for (const Tensor* t : tensors) {
    if (!t || !t->defined()) continue;
    if (!found) {
      device = t->device();
      found = true;
    } else {
      HONE_CHECK(t->device() == device, kernel, ": tensors on different devices (", device.str(), " and ",
                 t->device().str(), ")");
    }
  }
  return device;
}

DType common_dtype(const char* kernel, std::initializer_list<const Tensor*> tensors) {
  bool found = false;
  DType dtype = DType::F32;
  for (const Tensor* t : tensors) {
    if (!t || !t->defined()) continue;
    if (!found) {
      dtype = t->dtype();
      found = true;
    } else {
      HONE_CHECK(t->dtype() == dtype, kernel, ": mixed dtypes (", dtype_name(dtype), " and ", dtype_name(t->dtype()), ")");
    }
  }
  return dtype;
}

void unsupported_device(const char* kernel, Device device) {
  fail(kernel, ": no kernel for device ", device.str(), " in this build");
}

}  // namespace hone
