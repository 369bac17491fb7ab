#pragma once
// Activation memory for one batch shape: a bump allocator over one buffer. The first step with a new
// shape runs in "measuring" mode (each tensor gets its own block, the peak is recorded); reset() then
// sizes the single buffer to that peak, so every later step with the same shape allocates nothing.
// ArenaSet keeps one arena per shape key (batch, source length, target length).
#include <map>
#include <string>

#include "core/tensor.h"

namespace hone {

class Arena {
 public:
  explicit Arena(Device device = Device::cpu()) : device_(device) {}

  Tensor alloc(const Shape& shape, DType dtype = DType::F32);
  Tensor zeros(const Shape& shape, DType dtype = DType::F32);
  // Ends a step: frees everything handed out and, after a measuring step, sizes the buffer to the peak.
  void reset();
  // After freeze(), running out of space is an error instead of a fallback allocation.
  void freeze() { frozen_ = true; }

  size_t capacity() const { return buffer_ ? buffer_->nbytes() : 0; }
  size_t peak() const { return peak_; }
  size_t used() const { return offset_; }
  // Allocations that did not fit the buffer since the last reset (0 in steady state).
  size_t fallback_allocations() const { return fallbacks_; }

 private:
  Device device_;
  std::shared_ptr<Storage> buffer_;
  size_t offset_ = 0;
  size_t peak_ = 0;
  size_t fallbacks_ = 0;
  bool frozen_ = false;
};

class ArenaSet {
 public:
  explicit ArenaSet(Device device = Device::cpu()) : device_(device) {}
  Arena& for_shape(const std::string& key);
  size_t total_capacity() const;

 private:
  Device device_;
  std::map<std::string, Arena> arenas_;
};

}  // namespace hone
