#pragma once
// UTF-8 validation for text input: the tokenizer and the JSON parser need well-formed text, and a
// precise position lets the user fix the bad line instead of guessing.
#include <cstddef>
#include <string_view>

namespace hone {

// Byte offset of the first ill-formed sequence (overlong forms, surrogates and code points above
// U+10FFFF count as ill-formed), or npos when the whole text is valid.
size_t find_invalid_utf8(std::string_view text);
inline bool is_valid_utf8(std::string_view text) { return find_invalid_utf8(text) == std::string_view::npos; }

}  // namespace hone
