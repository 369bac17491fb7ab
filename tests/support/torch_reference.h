#pragma once
// The PyTorch reference: functions in tests/reference/<module>.py, run by one persistent process of
// Debian's /usr/bin/python3 (torch imported once per test binary). A call sends named tensors and a
// JSON config through a safetensors file and gets the function's named output tensors back.
//
//   def rmsnorm(t: dict[str, torch.Tensor], cfg: dict) -> dict[str, torch.Tensor]
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/tensor.h"

namespace hone::testing {

using TensorMap = std::map<std::string, Tensor>;

// Throws hone::Error with the Python traceback's last line if the reference fails, and a message
// naming scripts/setup.sh if python3-torch is missing.
TensorMap torch_reference(const std::string& module, const std::string& function, const TensorMap& inputs,
                          const nlohmann::json& config = nlohmann::json::object());

}  // namespace hone::testing
