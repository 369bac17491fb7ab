// `hone ul2 lengths` prints T5's raw and targets lengths; bad flags exit 2 with one line.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hone
