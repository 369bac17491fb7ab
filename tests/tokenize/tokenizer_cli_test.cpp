// `hone tokenizer train|encode|decode` from the shell, and its errors.
#include <gtest/gtest.h>

#include "data/corpus_files.h"
#include "support/run_command.h"

namespace hone {
namespace {

using testing::hone_binary;
using testing::run_command;
using testing::TempDir;

TEST(TokenizerCli, TrainEncodeDecode) {
  TempDir dir;
  const std::string tok = dir.file("tok");
  auto trained = run_command(hone_binary() + " tokenizer train --input /usr/share/common-licenses/GPL-3 --vocab-size 500"
                             " --model-type bpe --t5-conventions --threads 2 --out " + tok);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  EXPECT_NE(trained.output.find("500 tokens"), std::string::npos) << trained.output;

  auto encoded = run_command(hone_binary() + " tokenizer encode --tokenizer " + tok + " --text 'free software<extra_id_0>'");
  ASSERT_EQ(encoded.exit_code, 0) << encoded.output;
  ASSERT_NE(encoded.output.find(" 499\n"), std::string::npos) << "ends in <extra_id_0> = 499: " << encoded.output;
  std::string ids = encoded.output.substr(0, encoded.output.find('\n'));

  auto decoded = run_command(hone_binary() + " tokenizer decode --tokenizer " + tok + " --text '" + ids + "'");
  ASSERT_EQ(decoded.exit_code, 0) << decoded.output;
  EXPECT_EQ(decoded.output, "free software<extra_id_0>\n");

  auto piped = run_command("printf 'the Program\\nthe License\\n' | " + hone_binary() + " tokenizer encode --pieces --tokenizer " + tok);
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_NE(piped.output.find("\xE2\x96\x81Program"), std::string::npos) << piped.output;
  EXPECT_EQ(std::count(piped.output.begin(), piped.output.end(), '\n'), 2);
}

TEST(TokenizerCli, Errors) {
  TempDir dir;
  auto missing = run_command(hone_binary() + " tokenizer train --input " + dir.file("nope.txt") + " --out " + dir.file("t"));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("hone: error: input file '" + dir.file("nope.txt") + "' does not exist"), std::string::npos)
      << missing.output;
  auto bad_type = run_command(hone_binary() + " tokenizer train --input x --model-type char --out y");
  EXPECT_EQ(bad_type.exit_code, 2) << bad_type.output;
  auto no_sub = run_command(hone_binary() + " tokenizer");
  EXPECT_EQ(no_sub.exit_code, 2) << no_sub.output;
  auto no_tokenizer = run_command(hone_binary() + " tokenizer encode --tokenizer " + dir.file("none") + " --text hi");
  EXPECT_EQ(no_tokenizer.exit_code, 1) << no_tokenizer.output;
  EXPECT_NE(no_tokenizer.output.find("hone tokenizer train"), std::string::npos) << no_tokenizer.output;
}

}  // namespace
}  // namespace hone
