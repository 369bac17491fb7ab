#pragma once
// Tensor: a strided view (shape, strides in elements, byte offset) of a Storage, with a dtype and a
// device. Views share storage; copying a Tensor never copies data.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/storage.h"

namespace hone {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
std::string shape_str(const Shape& shape);
Shape contiguous_strides(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;

  static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  // A contiguous tensor over existing storage, starting at byte_offset.
  static Tensor over(std::shared_ptr<Storage> storage, size_t byte_offset, const Shape& shape, DType dtype);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const std::vector<int64_t>& strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const;    // negative d counts from the end
  int64_t stride(int64_t d) const;  // in elements
  int64_t numel() const { return shape_numel(shape_); }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device::cpu(); }
  size_t itemsize() const { return dtype_size(dtype_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * itemsize(); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  size_t byte_offset() const { return offset_; }

  // Device pointer to the first element; kernels use these, layer code never does.
  void* raw_data() const;
  template <class T>
  T* data() const {
    HONE_CHECK(dtype_of<T> == dtype_, "tensor holds ", dtype_name(dtype_), ", accessed as ", dtype_name(dtype_of<T>));
    return static_cast<T*>(raw_data());
  }

  // Views. view() needs a contiguous tensor; one dimension may be -1.
  Tensor view(const Shape& shape) const;
  Tensor slice(int64_t d, int64_t start, int64_t end) const;  // [start, end) along d
  Tensor select(int64_t d, int64_t index) const;              // drops dimension d
  Tensor transpose(int64_t d0, int64_t d1) const;

  std::string describe() const;  // e.g. "F32[2, 3] cpu"

 private:
  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;
  Shape shape_;
  std::vector<int64_t> strides_;
  DType dtype_ = DType::F32;
};

// Throws a clear error unless t has exactly this shape.
void check_shape(const Tensor& t, const Shape& expected, const char* what);

}  // namespace hone
