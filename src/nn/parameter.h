#pragma once
// Trainable tensors. All values of a model live in ONE contiguous buffer and all gradients in another,
// each tensor a view into them (so an optimizer is one loop, and all-reduce or ZeRO sharding are
// ranges). Layers register their parameters by name at construction (Hugging Face names, e.g.
// "encoder.block.0.layer.0.SelfAttention.q.weight"), then the store is finalized once.
#include <deque>
#include <string>
#include <unordered_map>

#include "core/tensor.h"

namespace hone {

struct Parameter {
  std::string name;
  Shape shape;
  Tensor value;
  Tensor grad;
};

class ParameterStore {
 public:
  explicit ParameterStore(DType dtype = DType::F32, Device device = Device::cpu()) : dtype_(dtype), device_(device) {}
  ParameterStore(const ParameterStore&) = delete;
  ParameterStore& operator=(const ParameterStore&) = delete;

  // Registers a parameter; its value and grad tensors become usable after finalize(). The reference
  // stays valid for the store's lifetime.
  Parameter& add(const std::string& name, const Shape& shape);
  // Allocates the value and gradient buffers (zeroed) and points every parameter at its range.
  void finalize();
  bool finalized() const { return values_.defined(); }

  Parameter& get(const std::string& name);
  const std::deque<Parameter>& all() const { return params_; }
  Tensor values() const { return values_; }
  Tensor grads() const { return grads_; }
  int64_t numel() const { return total_; }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  void zero_grads();

 private:
  DType dtype_;
  Device device_;
  std::deque<Parameter> params_;
  std::unordered_map<std::string, Parameter*> by_name_;
  int64_t total_ = 0;
  Tensor values_, grads_;
};

}  // namespace hone
