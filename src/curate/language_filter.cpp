#include "curate/language_filter.h"

#include <algorithm>
#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <limits>
#include <sstream>

#include <cld2/public/compact_lang_det.h>
#include <fasttext/fasttext.h>

#include "core/error.h"
#include "curate/text_chars.h"

namespace hone::curate {

LanguageFilter::LanguageFilter(LanguageFilterConfig config) : FilterBlock("language_filter"), config_(std::move(config)) {
  HONE_CHECK(config_.min_score >= 0 && config_.min_score <= 1,
             "language_filter: min_score must be in [0, 1], got ", config_.min_score);
  if (config_.backend == LanguageIdBackend::FastText) {
    HONE_CHECK(!config_.fasttext_model_path.empty(),
               "language_filter: the fastText backend needs a model path (e.g. lid.176.bin); "
               "or use the default CLD2 backend");
    fasttext_ = std::make_unique<fasttext::FastText>();
    try {
      fasttext_->loadModel(config_.fasttext_model_path);
    } catch (const std::exception& e) {
      fail("language_filter: cannot load the fastText model '", config_.fasttext_model_path, "': ", e.what(),
           "; give the path of a supervised fastText .bin model");
    }
  }
}

LanguageFilter::~LanguageFilter() = default;

LanguagePrediction LanguageFilter::identify_cld2(std::string_view text) const {
  // CLD2 takes an int length; its answer is settled long before 1 GiB of text.
  const int length = static_cast<int>(std::min<std::size_t>(text.size(), std::numeric_limits<int>::max() / 2));
  CLD2::Language language3[3];
  int percent3[3];
  double normalized_score3[3];
  int text_bytes = 0;
  bool is_reliable = false;
  const CLD2::Language top = CLD2::ExtDetectLanguageSummary(text.data(), length, /*is_plain_text=*/true,
                                                             /*tld_hint=*/nullptr, /*encoding_hint=*/0,
                                                             CLD2::UNKNOWN_LANGUAGE, language3, percent3,
                                                             normalized_score3, &text_bytes, &is_reliable);
  (void)top;
  // language3[0] holds the most letters and percent3[0] is its share. CLD2's returned summary language
  // can differ: it prefers a second language over English boilerplate (72% English + 27% German comes
  // back as German), which is the wrong answer for a filter that keeps the majority language.
  LanguagePrediction p;
  p.language = CLD2::LanguageCode(language3[0]);
  p.score = language3[0] == CLD2::UNKNOWN_LANGUAGE ? 0.0 : percent3[0] / 100.0;
  return p;
}

LanguagePrediction LanguageFilter::identify_fasttext(std::string_view text) {
  line_.assign(text);
  std::replace(line_.begin(), line_.end(), '\n', ' ');
  line_ += '\n';
  std::istringstream in(line_);
  std::vector<std::pair<fasttext::real, std::string>> predictions;
  fasttext_->predictLine(in, predictions, /*k=*/1, /*threshold=*/0.0f);
  LanguagePrediction p{"un", 0.0};
  if (!predictions.empty()) {
    std::string_view label = predictions[0].second;
    if (label.starts_with("__label__")) label.remove_prefix(9);
    p.language = std::string(label);
    p.score = std::clamp(static_cast<double>(predictions[0].first), 0.0, 1.0);
  }
  return p;
}

LanguagePrediction LanguageFilter::identify(std::string_view text) {
  return config_.backend == LanguageIdBackend::FastText ? identify_fasttext(text) : identify_cld2(text);
}

Verdict LanguageFilter::evaluate(std::string_view text, LanguagePrediction* prediction) {
  LanguagePrediction p = identify(text);
  Verdict verdict = Verdict::kept();
  const bool selected = config_.languages.empty() ||
                        std::find(config_.languages.begin(), config_.languages.end(), p.language) != config_.languages.end();
  if (!selected) {
    verdict = Verdict::dropped("language_not_selected");
  } else if (p.score < config_.min_score) {
    verdict = Verdict::dropped("language_score_too_low");
  }
  if (prediction) *prediction = std::move(p);
  return verdict;
}

Verdict LanguageFilter::apply(Document& doc) {
  require_valid_utf8(doc.text, doc.id);
  LanguagePrediction p;
  const Verdict verdict = evaluate(doc.text, &p);
  doc.metadata["language"] = p.language;
  doc.metadata["language_score"] = p.score;
  return verdict;
}

}  // namespace hone::curate
