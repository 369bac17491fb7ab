#pragma once
// UL2's paradigm tokens ([NLU], [NLG], [S2S]) for a tokenizer directory, in one of three styles:
//   "text"     - the strings through the tokenizer, as UL2 did (often several pieces each); fails when
//                they contain unknown pieces or two of them encode the same
//   "reserved" - single ids: the tokenizer must hold [NLU], [NLG] and [S2S] as pieces (train it with
//                --user-symbols '[NLU],[NLG],[S2S]'); fails naming the missing ones
//   "none"     - no mode tokens (empty ids); set ObjectiveOptions::use_mode_tokens = false with it
#include <string>

#include "objectives/denoiser.h"

namespace hone::objectives {

ModeTokens mode_tokens_for(const std::string& style, const std::string& tokenizer_dir);

}  // namespace hone::objectives
