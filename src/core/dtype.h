#pragma once
// Element types: every dtype safetensors defines. Kernels compute in f32 (and f64 for reference
// checks); the others are storage formats converted on load.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hone {

enum class DType : uint8_t { F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, U16, U8, Bool };

size_t dtype_size(DType dtype);
// The safetensors spelling ("F32", "BF16", ...).
std::string_view dtype_name(DType dtype);
// Parses a safetensors dtype name; returns false for an unknown one.
bool parse_dtype(std::string_view name, DType* out);
bool is_floating(DType dtype);

template <class T> struct DTypeOf;
template <> struct DTypeOf<double> { static constexpr DType value = DType::F64; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::I64; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::I32; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::I16; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::I8; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::U64; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::U32; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::U16; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::U8; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };
template <class T> inline constexpr DType dtype_of = DTypeOf<T>::value;

// bf16 and f16 conversions (round to nearest even; NaN stays NaN).
uint16_t float_to_bf16(float value);
float bf16_to_float(uint16_t bits);
uint16_t float_to_f16(float value);
float f16_to_float(uint16_t bits);

}  // namespace hone
