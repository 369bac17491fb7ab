// Stage 3: CLD2 identifies English, German and French prose, the keep rule around the language set and
// the score threshold, the metadata, and the fastText backend with a tiny model trained here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <fasttext/args.h>
#include <fasttext/fasttext.h>

#include "core/error.h"
#include "curate/language_filter.h"

namespace hone::curate {
namespace {

const std::string kEnglish =
    "The river flows south through the valley and meets the sea near the old harbour town. In the summer "
    "months, fishermen repair their boats on the beach while children play in the shallow water. Most of "
    "the houses were built more than two hundred years ago, and many families have lived here for generations.";
const std::string kGerman =
    "Der Fluss fließt durch das Tal nach Süden und erreicht das Meer in der Nähe der alten Hafenstadt. In "
    "den Sommermonaten reparieren die Fischer ihre Boote am Strand, während die Kinder im flachen Wasser "
    "spielen. Die meisten Häuser wurden vor mehr als zweihundert Jahren gebaut.";
const std::string kFrench =
    "La rivière coule vers le sud à travers la vallée et rejoint la mer près du vieux port. Pendant les mois "
    "d'été, les pêcheurs réparent leurs bateaux sur la plage pendant que les enfants jouent dans l'eau peu "
    "profonde. La plupart des maisons ont été construites il y a plus de deux cents ans.";

TEST(LanguageFilter, Cld2IdentifiesEnglishGermanFrench) {
  LanguageFilter f;
  for (const auto& [text, code] : {std::pair{kEnglish, "en"}, std::pair{kGerman, "de"}, std::pair{kFrench, "fr"}}) {
    const LanguagePrediction p = f.identify(text);
    EXPECT_EQ(p.language, code);
    EXPECT_GE(p.score, 0.9) << code;  // one-language prose: nearly all letters go to the top language
    EXPECT_LE(p.score, 1.0) << code;
  }
}

TEST(LanguageFilter, DefaultKeepsEnglishOnlyAndStoresMetadata) {
  LanguageFilter f;
  Document en{"en", kEnglish, "", {}};
  Document de{"de", kGerman, "", {}};
  EXPECT_TRUE(f.process(en).keep);
  EXPECT_EQ(en.metadata["language"], "en");
  EXPECT_GE(en.metadata["language_score"].get<double>(), 0.9);
  EXPECT_EQ(f.process(de).reason, "language_not_selected");
  EXPECT_EQ(de.metadata["language"], "de");  // measured for dropped documents too
  EXPECT_EQ(f.stats().drop_reasons.at("language_not_selected"), 1u);
}

TEST(LanguageFilter, ChosenLanguagesAndAnyLanguage) {
  LanguageFilter german_french({.languages = {"de", "fr"}});
  EXPECT_TRUE(german_french.evaluate(kGerman).keep);
  EXPECT_TRUE(german_french.evaluate(kFrench).keep);
  EXPECT_EQ(german_french.evaluate(kEnglish).reason, "language_not_selected");
  LanguageFilter any({.languages = {}});
  EXPECT_TRUE(any.evaluate(kGerman).keep);
  EXPECT_TRUE(any.evaluate(kEnglish).keep);
}

TEST(LanguageFilter, ScoreThresholdOnMixedText) {
  // About 60% English letters, 40% German: English is on top with a score between the two thresholds.
  const std::string mixed = kEnglish + "\n" + kGerman.substr(0, kGerman.size() * 2 / 3);
  LanguagePrediction p;
  LanguageFilter f;
  const Verdict v = f.evaluate(mixed, &p);
  EXPECT_EQ(p.language, "en");
  EXPECT_GT(p.score, 0.4);
  EXPECT_LT(p.score, 0.8);
  LanguageFilter below({.min_score = p.score - 0.01});  // threshold just below the score: kept
  EXPECT_TRUE(below.evaluate(mixed).keep);
  LanguageFilter above({.min_score = p.score + 0.01});  // just above: dropped
  EXPECT_EQ(above.evaluate(mixed).reason, "language_score_too_low");
  (void)v;
}

TEST(LanguageFilter, UnknownForNoLetters) {
  LanguageFilter f;
  LanguagePrediction p;
  EXPECT_EQ(f.evaluate("12345 67890 !!! ???", &p).reason, "language_not_selected");
  EXPECT_EQ(p.language, "un");
  EXPECT_EQ(p.score, 0.0);
}

TEST(LanguageFilter, RejectsBadConfigAndInvalidUtf8) {
  EXPECT_THROW(LanguageFilter({.min_score = 1.5}), Error);
  EXPECT_THROW(LanguageFilter({.backend = LanguageIdBackend::FastText}), Error);  // no model path
  EXPECT_THROW(LanguageFilter({.backend = LanguageIdBackend::FastText, .fasttext_model_path = "/nonexistent/lid.bin"}),
               Error);
  LanguageFilter f;
  Document bad{"bad", std::string("abc\xff"), "", {}};
  EXPECT_THROW(f.process(bad), Error);
}

TEST(LanguageFilter, FastTextModelFromAFile) {
  // A tiny supervised model trained here on the three paragraphs' sentences stands in for lid.176.bin.
  const auto dir = std::filesystem::temp_directory_path() / ("hone_langid_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string train_path = (dir / "train.txt").string();
  {
    std::ofstream out(train_path);
    for (int repeat = 0; repeat < 20; ++repeat) {
      for (const auto& [text, label] : {std::pair{kEnglish, "en"}, std::pair{kGerman, "de"}, std::pair{kFrench, "fr"}}) {
        std::size_t start = 0;
        while (start < text.size()) {
          const std::size_t end = std::min(text.find(". ", start), text.size());
          out << "__label__" << label << ' ' << text.substr(start, end - start) << '\n';
          start = end + 2;
        }
      }
    }
  }
  fasttext::Args args;
  args.input = train_path;
  args.model = fasttext::model_name::sup;
  args.loss = fasttext::loss_name::softmax;
  args.dim = 16;
  args.epoch = 25;
  args.lr = 0.5;
  args.minCount = 1;
  args.minn = 2;
  args.maxn = 4;
  args.thread = 1;
  args.verbose = 0;
  fasttext::FastText trainer;
  trainer.train(args);
  const std::string model_path = (dir / "lid.bin").string();
  trainer.saveModel(model_path);

  LanguageFilter f({.languages = {"de"}, .min_score = 0.5, .backend = LanguageIdBackend::FastText,
                    .fasttext_model_path = model_path});
  Document de{"de", kGerman, "", {}};
  EXPECT_TRUE(f.process(de).keep);
  EXPECT_EQ(de.metadata["language"], "de");
  EXPECT_GT(de.metadata["language_score"].get<double>(), 0.5);
  LanguagePrediction p;
  EXPECT_EQ(f.evaluate(kFrench, &p).reason, "language_not_selected");
  EXPECT_EQ(p.language, "fr");
  EXPECT_EQ(f.identify(kEnglish).language, "en");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hone::curate
