#include "core/arena.h"

#include <cstring>

namespace hone {

static size_t round_up(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

Tensor Arena::alloc(const Shape& shape, DType dtype) {
  const size_t bytes = round_up(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype));
  const size_t start = offset_;
  if (buffer_ && start + bytes <= buffer_->nbytes()) {
    offset_ += bytes;
    peak_ = std::max(peak_, offset_);
    return Tensor::over(buffer_, start, shape, dtype);
  }
  // Checked before any state changes, so a failed allocation does not grow a frozen arena on reset().
  HONE_CHECK(!frozen_, "activation arena of ", capacity(), " bytes is too small for ", start + bytes,
             " bytes: the batch shape changed after the memory plan was frozen");
  offset_ += bytes;
  peak_ = std::max(peak_, offset_);
  ++fallbacks_;
  return Tensor::empty(shape, dtype, device_);
}

Tensor Arena::zeros(const Shape& shape, DType dtype) {
  Tensor t = alloc(shape, dtype);
  std::memset(t.raw_data(), 0, t.nbytes());
  return t;
}

void Arena::reset() {
  if (!frozen_ && peak_ > capacity()) buffer_ = Storage::allocate(peak_, device_);
  offset_ = 0;
  fallbacks_ = 0;
}

Arena& ArenaSet::for_shape(const std::string& key) { return arenas_.try_emplace(key, device_).first->second; }

size_t ArenaSet::total_capacity() const {
  size_t total = 0;
  for (const auto& [key, arena] : arenas_) total += arena.capacity();
  return total;
}

}  // namespace hone
