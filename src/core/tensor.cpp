#include "core/tensor.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace hone {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) {
    HONE_CHECK(s >= 0, "negative dimension in shape ", shape_str(shape));
    HONE_CHECK(!__builtin_mul_overflow(n, s, &n), "shape ", shape_str(shape), " has more elements than fit in 64 bits");
  }
  return n;
}

std::string shape_str(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    // A zero dimension elsewhere keeps numel small while strides can still overflow: check each step.
    HONE_CHECK(!__builtin_mul_overflow(s, std::max<int64_t>(shape[i], 1), &s), "shape ", shape_str(shape),
               " is too large to address with 64-bit strides");
  }
  return strides;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  auto storage = Storage::allocate(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype), device);
  return over(std::move(storage), 0, shape, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  std::memset(t.raw_data(), 0, t.nbytes());
  return t;
}

Tensor Tensor::over(std::shared_ptr<Storage> storage, size_t byte_offset, const Shape& shape, DType dtype) {
  size_t need = byte_offset + static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  HONE_CHECK(storage && need <= storage->nbytes(), "tensor ", shape_str(shape), " does not fit its storage");
  Tensor t;
  t.storage_ = std::move(storage);
  t.offset_ = byte_offset;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  return t;
}

static int64_t wrap_dim(int64_t d, int64_t dims) {
  int64_t w = d < 0 ? d + dims : d;
  HONE_CHECK(w >= 0 && w < dims, "dimension ", d, " out of range for a ", dims, "-d tensor");
  return w;
}

int64_t Tensor::size(int64_t d) const { return shape_[wrap_dim(d, dim())]; }
int64_t Tensor::stride(int64_t d) const { return strides_[wrap_dim(d, dim())]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] != 1 && strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  HONE_CHECK(storage_, "use of an undefined tensor");
  return static_cast<char*>(storage_->data()) + offset_;
}

Tensor Tensor::view(const Shape& shape) const {
  HONE_CHECK(is_contiguous(), "view of a non-contiguous tensor ", describe());
  Shape resolved = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < resolved.size(); ++i) {
    HONE_CHECK(resolved[i] >= -1, "cannot view ", describe(), " as ", shape_str(shape), ": negative dimension");
    if (resolved[i] == -1) {
      HONE_CHECK(infer < 0, "view shape ", shape_str(shape), " has more than one -1");
      infer = static_cast<int64_t>(i);
    } else {
      known *= resolved[i];
    }
  }
  if (infer >= 0) {
    HONE_CHECK(known > 0 && numel() % known == 0, "cannot view ", describe(), " as ", shape_str(shape));
    resolved[infer] = numel() / known;
  }
  HONE_CHECK(shape_numel(resolved) == numel(), "cannot view ", describe(), " as ", shape_str(shape));
  Tensor t = *this;
  t.shape_ = resolved;
  t.strides_ = contiguous_strides(resolved);
  return t;
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end) const {
  d = wrap_dim(d, dim());
  HONE_CHECK(0 <= start && start <= end && end <= shape_[d], "slice [", start, ", ", end, ") out of range for dimension ",
             d, " of ", describe());
  Tensor t = *this;
  t.offset_ += static_cast<size_t>(start * strides_[d]) * itemsize();
  t.shape_[d] = end - start;
  return t;
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = wrap_dim(d, dim());
  Tensor t = slice(d, index, index + 1);
  t.shape_.erase(t.shape_.begin() + d);
  t.strides_.erase(t.strides_.begin() + d);
  return t;
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  d0 = wrap_dim(d0, dim());
  d1 = wrap_dim(d1, dim());
  Tensor t = *this;
  std::swap(t.shape_[d0], t.shape_[d1]);
  std::swap(t.strides_[d0], t.strides_[d1]);
  return t;
}

std::string Tensor::describe() const {
  std::ostringstream out;
  out << dtype_name(dtype_) << shape_str(shape_) << ' ' << device().str();
  return out.str();
}

void check_shape(const Tensor& t, const Shape& expected, const char* what) {
  HONE_CHECK(t.defined(), what, " is missing (expected shape ", shape_str(expected), ")");
  HONE_CHECK(t.shape() == expected, what, " has shape ", shape_str(t.shape()), ", expected ", shape_str(expected));
}

}  // namespace hone
