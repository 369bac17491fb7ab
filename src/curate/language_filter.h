#pragma once
// Stage 3: language identification. Keeps documents whose top language is one of the chosen ones with
// a score >= min_score (RefinedWeb: English at 0.65), and stores what it measured in the metadata as
// "language" (ISO 639-1 code where one exists, e.g. "en", "de", "fr") and "language_score" (0..1),
// for kept and dropped documents alike. Drop reasons: "language_not_selected", "language_score_too_low".
//
// Two identifiers:
//   CLD2 (default, Debian's libcld2 with its standard tables, 83 languages): the score is the fraction of the
//     document's letters that CLD2 assigns to the language with the most letters (its language3[0],
//     not its English-averse summary language). Text too short or too mixed for CLD2 to
//     decide comes back as "un" (unknown) with score 0.
//   fastText: a user-supplied supervised model (e.g. lid.176.bin, GlotLID) through Debian's
//     libfasttext; labels lose their "__label__" prefix and the score is the model's probability of the
//     top label. Newlines become spaces first, since fastText scores one line.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "curate/filter_block.h"

namespace fasttext {
class FastText;
}

namespace hone::curate {

enum class LanguageIdBackend { Cld2, FastText };

struct LanguageFilterConfig {
  std::vector<std::string> languages = {"en"};  // empty: keep every language that reaches min_score
  double min_score = 0.65;
  LanguageIdBackend backend = LanguageIdBackend::Cld2;
  std::string fasttext_model_path = "";  // required for the fastText backend
};

struct LanguagePrediction {
  std::string language;  // "un" when nothing could be identified
  double score = 0;
};

class LanguageFilter : public FilterBlock {
 public:
  // Throws hone::Error for a fastText backend without a readable model, or a score outside [0, 1].
  explicit LanguageFilter(LanguageFilterConfig config = {});
  ~LanguageFilter() override;

  // The top language of valid UTF-8 `text` and its score.
  LanguagePrediction identify(std::string_view text);

  // identify() plus the keep/drop rule.
  Verdict evaluate(std::string_view text, LanguagePrediction* prediction = nullptr);

 protected:
  Verdict apply(Document& doc) override;

 private:
  LanguagePrediction identify_cld2(std::string_view text) const;
  LanguagePrediction identify_fasttext(std::string_view text);

  LanguageFilterConfig config_;
  std::unique_ptr<fasttext::FastText> fasttext_;
  std::string line_;  // scratch: the document on one line for fastText
};

}  // namespace hone::curate
