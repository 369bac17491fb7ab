#pragma once
// A block of device memory that tensors view. CPU memory is 64-byte aligned (one cache line, a whole
// AVX-512 vector). A storage may also wrap memory owned elsewhere (an mmap'd file, an arena) and keep
// that owner alive.
#include <cstddef>
#include <memory>

#include "core/device.h"

namespace hone {

inline constexpr size_t kAlignment = 64;

void* aligned_allocate(size_t nbytes);  // throws hone::Error when memory runs out
void aligned_free(void* ptr);

class Storage {
 public:
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, Device device, std::shared_ptr<void> owner);

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  std::shared_ptr<void> owner_;
};

}  // namespace hone
