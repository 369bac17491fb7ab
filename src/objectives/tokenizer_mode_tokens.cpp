#include "objectives/tokenizer_mode_tokens.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"
#include "tokenize/tokenizer.h"

namespace hone::objectives {

ModeTokens mode_tokens_for(const std::string& style, const std::string& tokenizer_dir) {
  if (style == "none") return ModeTokens{};
  HONE_CHECK(style == "text" || style == "reserved", "unknown mode-token style '", style,
             "'; use text (the strings through the tokenizer), reserved (single ids) or none");
  const Tokenizer tokenizer = Tokenizer::load(tokenizer_dir);
  if (style == "reserved") {
    const char* names[] = {"[NLU]", "[NLG]", "[S2S]"};
    int32_t ids[3];
    std::ostringstream missing;
    for (int i = 0; i < 3; ++i) {
      ids[i] = tokenizer.piece_to_id(names[i]);
      if (ids[i] < 0) missing << (missing.tellp() > 0 ? ", " : "") << names[i];
    }
    HONE_CHECK(missing.tellp() == 0, "the tokenizer in '", tokenizer_dir, "' has no piece for ", missing.str(),
               ": train it with --user-symbols '[NLU],[NLG],[S2S]', or use mode tokens as text or none");
    return ModeTokens::reserved(ids[0], ids[1], ids[2]);
  }
  ModeTokens tokens = ModeTokens::from_text([&](const std::string& text) { return tokenizer.encode(text); });
  // Unknown pieces would make the paradigm tokens partly unreadable (and possibly identical).
  for (const auto* ids : {&tokens.nlu, &tokens.nlg, &tokens.s2s}) {
    const bool unknown = tokenizer.unk_id() >= 0 && std::find(ids->begin(), ids->end(), tokenizer.unk_id()) != ids->end();
    HONE_CHECK(!ids->empty() && !unknown, "the tokenizer in '", tokenizer_dir,
               "' cannot spell the mode tokens [NLU]/[NLG]/[S2S] without unknown pieces: train it with "
               "--user-symbols '[NLU],[NLG],[S2S]' or --byte-fallback, or use mode tokens none");
  }
  HONE_CHECK(tokens.nlu != tokens.nlg && tokens.nlu != tokens.s2s && tokens.nlg != tokens.s2s, "the tokenizer in '",
             tokenizer_dir, "' encodes two of [NLU]/[NLG]/[S2S] the same; train it with --user-symbols "
             "'[NLU],[NLG],[S2S]'");
  return tokens;
}

}  // namespace hone::objectives
