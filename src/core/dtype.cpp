#include "core/dtype.h"

#include <array>
#include <bit>
#include <cmath>

namespace hone {
namespace {
struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
  bool floating;
};
constexpr std::array<DTypeInfo, 15> kInfo = {{
    {DType::F64, "F64", 8, true},       {DType::F32, "F32", 4, true},
    {DType::F16, "F16", 2, true},       {DType::BF16, "BF16", 2, true},
    {DType::F8_E4M3, "F8_E4M3", 1, true}, {DType::F8_E5M2, "F8_E5M2", 1, true},
    {DType::I64, "I64", 8, false},      {DType::I32, "I32", 4, false},
    {DType::I16, "I16", 2, false},      {DType::I8, "I8", 1, false},
    {DType::U64, "U64", 8, false},      {DType::U32, "U32", 4, false},
    {DType::U16, "U16", 2, false},      {DType::U8, "U8", 1, false},
    {DType::Bool, "BOOL", 1, false},
}};
const DTypeInfo& info(DType dtype) { return kInfo[static_cast<size_t>(dtype)]; }
}  // namespace

size_t dtype_size(DType dtype) { return info(dtype).size; }
std::string_view dtype_name(DType dtype) { return info(dtype).name; }
bool is_floating(DType dtype) { return info(dtype).floating; }

bool parse_dtype(std::string_view name, DType* out) {
  for (const auto& entry : kInfo) {
    if (entry.name == name) {
      *out = entry.dtype;
      return true;
    }
  }
  return false;
}

uint16_t float_to_bf16(float value) {
  uint32_t bits = std::bit_cast<uint32_t>(value);
  if (std::isnan(value)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  uint32_t rounding = 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float bf16_to_float(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

uint16_t float_to_f16(float value) { return std::bit_cast<uint16_t>(static_cast<_Float16>(value)); }
float f16_to_float(uint16_t bits) { return static_cast<float>(std::bit_cast<_Float16>(bits)); }

}  // namespace hone
