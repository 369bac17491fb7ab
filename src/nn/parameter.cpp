#include "nn/parameter.h"

#include "backend/elementwise.h"

namespace hone {

// Each parameter starts on a 64-byte boundary so kernels see aligned rows.
static int64_t padded(int64_t numel, DType dtype) {
  int64_t per_line = static_cast<int64_t>(kAlignment / dtype_size(dtype));
  return (numel + per_line - 1) / per_line * per_line;
}

Parameter& ParameterStore::add(const std::string& name, const Shape& shape) {
  HONE_CHECK(!finalized(), "parameter ", name, " added after the parameter buffer was allocated");
  HONE_CHECK(!by_name_.count(name), "parameter ", name, " registered twice");
  for (int64_t d : shape) HONE_CHECK(d > 0, "parameter ", name, " has shape ", shape_str(shape), ": every dimension must be positive");
  params_.push_back(Parameter{name, shape, {}, {}});
  by_name_[name] = &params_.back();
  total_ += padded(shape_numel(shape), dtype_);
  return params_.back();
}

void ParameterStore::finalize() {
  HONE_CHECK(!finalized(), "parameter buffer allocated twice");
  values_ = Tensor::zeros({total_}, dtype_, device_);
  grads_ = Tensor::zeros({total_}, dtype_, device_);
  size_t offset = 0;
  for (Parameter& p : params_) {
    p.value = Tensor::over(values_.storage(), offset, p.shape, dtype_);
    p.grad = Tensor::over(grads_.storage(), offset, p.shape, dtype_);
    offset += static_cast<size_t>(padded(shape_numel(p.shape), dtype_)) * dtype_size(dtype_);
  }
}

Parameter& ParameterStore::get(const std::string& name) {
  auto it = by_name_.find(name);
  HONE_CHECK(it != by_name_.end(), "no parameter named ", name);
  return *it->second;
}

void ParameterStore::zero_grads() {
  if (finalized()) fill(grads_, 0.0);
}

}  // namespace hone
