#include "core/storage.h"

#include <cstdlib>

#include "core/error.h"

namespace hone {

void* aligned_allocate(size_t nbytes) {
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  void* ptr = std::aligned_alloc(kAlignment, rounded);
  HONE_CHECK(ptr != nullptr, "out of memory allocating ", nbytes, " bytes: use a smaller batch or model");
  return ptr;
}

void aligned_free(void* ptr) { std::free(ptr); }

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  HONE_CHECK(device.is_cpu(), "device ", device.str(), " is not available in this build");
  void* ptr = aligned_allocate(nbytes);
  auto storage = std::make_shared<Storage>();
  storage->data_ = ptr;
  storage->nbytes_ = nbytes;
  storage->device_ = device;
  storage->owner_ = std::shared_ptr<void>(ptr, aligned_free);
  return storage;
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, Device device, std::shared_ptr<void> owner) {
  auto storage = std::make_shared<Storage>();
  storage->data_ = data;
  storage->nbytes_ = nbytes;
  storage->device_ = device;
  storage->owner_ = std::move(owner);
  return storage;
}

}  // namespace hone
