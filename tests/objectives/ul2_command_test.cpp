// `hone ul2 lengths` prints T5's raw and targets lengths; `hone ul2 preview` shows a denoiser's example
// of the user's text; bad flags exit 2 with one line.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "support/run_command.h"

namespace hone {
namespace {

using testing::hone_binary;
using testing::run_command;

TEST(Ul2Command, LengthsPrintsRawAndTargets) {
  auto r = run_command(hone_binary() + " ul2 lengths --inputs-length 512 --noise-density 0.15 --mean-span 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("raw length:     568"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("targets length: 114"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("85 noise tokens in 28 spans"), std::string::npos) << r.output;
  auto x = run_command(hone_binary() + " ul2 lengths --inputs-length 512 --noise-density 0.5 --mean-span 64");
  ASSERT_EQ(x.exit_code, 0) << x.output;
  EXPECT_NE(x.output.find("raw length:     1006"), std::string::npos) << x.output;
  EXPECT_NE(x.output.find("targets length: 512"), std::string::npos) << x.output;
}

TEST(Ul2Command, BadArgumentsAreUsageErrors) {
  for (const char* args : {" ul2", " ul2 lengths --inputs-length 512 --noise-density 1.5 --mean-span 3",
                           " ul2 lengths --inputs-length 512 --noise-density 0.15 --mean-span 0",
                           " ul2 lengths --noise-density 0.15 --mean-span 3"}) {
    auto r = run_command(hone_binary() + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    EXPECT_EQ(r.output.rfind("hone: error: ", 0), 0u) << r.output;
  }
}

// A tiny tokenizer trained once per test binary for the preview tests (with or without T5 sentinels),
// removed when the binary exits.
std::string trained_tokenizer(bool sentinels) {
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  };
  static Cleanup scratch{std::filesystem::temp_directory_path() / ("hone-ul2-preview-" + std::to_string(getpid()))};
  const std::string dir = (scratch.dir / (sentinels ? "t5" : "plain")).string();
  if (!std::filesystem::exists(dir)) {
    auto r = run_command(hone_binary() + " tokenizer train --input /usr/share/common-licenses/GPL-3 --vocab-size 600" +
                         (sentinels ? " --t5-conventions" : "") + " --user-symbols '[NLU],[NLG],[S2S]' --out " + dir);
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  return dir;
}

const char* kText = "The GNU General Public License is a free, copyleft license for software and other kinds of "
                    "works. The licenses for most software are designed to take away your freedom.";

TEST(Ul2Command, PreviewShowsInputsAndTargetsDeterministically) {
  const std::string tok = trained_tokenizer(true);
  const std::string command = hone_binary() + " ul2 preview --tokenizer " + tok +
                              " --denoiser 'R(mu=3,r=0.15)' --inputs-length 40 --seed 7 --text '" + kText + "'";
  auto first = run_command(command);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("denoiser R(mu=3,r=0.15)"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("inputs:  [NLU]"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("<extra_id_0>"), std::string::npos) << first.output;
  EXPECT_EQ(run_command(command).output, first.output);  // same seed, same example
  auto other_seed = run_command(hone_binary() + " ul2 preview --tokenizer " + tok +
                                " --denoiser 'R(mu=3,r=0.15)' --inputs-length 40 --seed 8 --text '" + kText + "'");
  EXPECT_NE(other_seed.output, first.output);
  // The S denoiser's inputs and targets give back the source text.
  auto s = run_command(hone_binary() + " ul2 preview --tokenizer " + tok + " --denoiser S --text '" + kText + "'");
  ASSERT_EQ(s.exit_code, 0) << s.output;
  EXPECT_NE(s.output.find("inputs:  [S2S]"), std::string::npos) << s.output;
}

TEST(Ul2Command, PreviewErrors) {
  const std::string tok = trained_tokenizer(true);
  auto unknown = run_command(hone_binary() + " ul2 preview --tokenizer " + tok + " --denoiser nope --text x");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("known: ul2 ul2r"), std::string::npos) << unknown.output;
  auto both = run_command(hone_binary() + " ul2 preview --tokenizer " + tok + " --text x --file y");
  EXPECT_EQ(both.exit_code, 2) << both.output;
  auto no_sentinels = run_command(hone_binary() + " ul2 preview --tokenizer " + trained_tokenizer(false) +
                                  " --denoiser t5 --text '" + kText + "'");
  EXPECT_EQ(no_sentinels.exit_code, 1) << no_sentinels.output;
  EXPECT_NE(no_sentinels.output.find("--t5-conventions"), std::string::npos) << no_sentinels.output;
}

}  // namespace
}  // namespace hone
