// The Flan training mixture: examples-proportional rates with caps, rendering ratios, determinism and
// the held-out cluster guard.
#include <gtest/gtest.h>

#include <map>

#include "core/error.h"
#include "tasks/instruction_mixture.h"

namespace hone::tasks {
namespace {

InstructionMixtureOptions two_tasks() {
  InstructionMixtureOptions o;
  o.tasks = {{"navigate", 1.0}, {"modular_arithmetic", 1.0}};
  o.seed = 7;
  return o;
}

TEST(InstructionMixture, RatesAreExamplesProportionalWithCapsAndSubmixtureWeights) {
  InstructionMixtureOptions o = two_tasks();
  o.cap = 500;  // both tasks have 2000 training examples: capped to equal weight
  EXPECT_NEAR(InstructionMixture(o).tasks()[0].weight, 0.5, 1e-12);
  o.tasks[0].weight = 3.0;
  const InstructionMixture weighted(o);
  EXPECT_NEAR(weighted.tasks()[0].weight, 0.75, 1e-12);
  EXPECT_NEAR(weighted.tasks()[1].weight, 0.25, 1e-12);

  std::map<size_t, int> counts;
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) counts[weighted.example(i).task]++;
  EXPECT_NEAR(counts[0] / double(draws), 0.75, 0.01);
  EXPECT_NEAR(counts[1] / double(draws), 0.25, 0.01);
}

TEST(InstructionMixture, RenderingRatiosAndChainOfThoughtTargets) {
  InstructionMixtureOptions o = two_tasks();
  o.zero_shot = 0.2;
  o.few_shot = 0.3;
  o.chain_of_thought = 0.5;
  o.shots = 2;
  const InstructionMixture mixture(o);
  std::map<RenderingKind, int> counts;
  const int draws = 6000;
  for (int i = 0; i < draws; ++i) {
    const MixtureExample e = mixture.example(i);
    counts[e.kind]++;
    if (e.kind == RenderingKind::ChainOfThought) {
      EXPECT_NE(e.text.targets.find("So the answer is"), std::string::npos) << e.text.targets;
    }
    if (e.kind == RenderingKind::FewShot) {
      EXPECT_EQ(e.text.shots, 2);
      EXPECT_NE(e.text.inputs.find(kExemplarSeparator), std::string::npos);
    }
  }
  // Both tasks carry rationales, so the ratios hold as given.
  EXPECT_NEAR(counts[RenderingKind::ZeroShot] / double(draws), 0.2, 0.02);
  EXPECT_NEAR(counts[RenderingKind::FewShot] / double(draws), 0.3, 0.02);
  EXPECT_NEAR(counts[RenderingKind::ChainOfThought] / double(draws), 0.5, 0.02);
}

TEST(InstructionMixture, ExampleIsAPureFunctionOfSeedAndIndex) {
  const InstructionMixture a(two_tasks()), b(two_tasks());
  for (uint64_t i : {0ull, 1ull, 17ull, 123456ull}) {
    EXPECT_EQ(a.example(i).text.inputs, b.example(i).text.inputs);
    EXPECT_EQ(a.example(i).text.targets, b.example(i).text.targets);
  }
  InstructionMixtureOptions other = two_tasks();
  other.seed = 8;
  const InstructionMixture c(other);
  int different = 0;
  for (uint64_t i = 0; i < 20; ++i) different += a.example(i).text.inputs != c.example(i).text.inputs;
  EXPECT_GT(different, 10);
}

TEST(InstructionMixture, HeldOutClustersAreExcludedAndGuarded) {
  InstructionMixtureOptions o;
  o.held_out_clusters = {"state_tracking", "lexical", "translation"};
  const InstructionMixture mixture(o);
  for (const auto& t : mixture.tasks()) {
    EXPECT_NE(t.task.cluster, "state_tracking");
    EXPECT_NE(t.task.cluster, "lexical");
  }
  o.tasks = {{"navigate", 1.0}};
  try {
    InstructionMixture leaking(o);
    FAIL() << "a task of a held-out cluster must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("held-out cluster state_tracking"), std::string::npos) << e.what();
  }
}

TEST(InstructionMixture, BadOptionsAreErrors) {
  InstructionMixtureOptions o = two_tasks();
  o.zero_shot = o.few_shot = o.chain_of_thought = 0;
  EXPECT_THROW(InstructionMixture{o}, Error);
  o = two_tasks();
  o.tasks[1].weight = -1;
  EXPECT_THROW(InstructionMixture{o}, Error);
  o = two_tasks();
  o.tasks[0].name = "no_such_task";
  EXPECT_THROW(InstructionMixture{o}, Error);
  o = two_tasks();
  o.cap = 0;
  EXPECT_THROW(InstructionMixture{o}, Error);
}

}  // namespace
}  // namespace hone::tasks
