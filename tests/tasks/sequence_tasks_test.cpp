#include "tasks/sequence_tasks.h"

#include <gtest/gtest.h>

namespace hone {
namespace {

TEST(SequenceTasks, ReverseLayoutAndTargets) {
  SequenceTaskSpec spec{SequenceTask::Reverse, 4, 10, -100};
  SequenceTaskBatch b = make_sequence_task_batch(spec, 3, 7, 0);
  ASSERT_EQ(b.inputs.shape(), (Shape{3, 10}));
  const int32_t* in = b.inputs.data<int32_t>();
  const int32_t* tg = b.targets.data<int32_t>();
  for (int r = 0; r < 3; ++r) {
    const int32_t* x = in + r * 10;
    const int32_t* y = tg + r * 10;
    EXPECT_EQ(x[0], kBosToken);
    EXPECT_EQ(x[1], kReverseToken);
    EXPECT_EQ(x[6], kSepToken);
    for (int i = 0; i < 4; ++i) {
      EXPECT_GE(x[2 + i], kFirstSymbolToken);
      EXPECT_LT(x[2 + i], kFirstSymbolToken + 10);
      EXPECT_EQ(y[6 + i], x[2 + 3 - i]) << "answer token " << i << " is the reversed string";
    }
    for (int t = 0; t < 6; ++t) EXPECT_EQ(y[t], -100);
    EXPECT_EQ(x[7], y[6]);  // inputs are targets shifted right
  }
  EXPECT_EQ(b.answer_tokens, 12);
}

TEST(SequenceTasks, SameSeedSameExamplesAnyBatching) {
  SequenceTaskSpec spec{SequenceTask::Mixed, 6, 12, -100};
  SequenceTaskBatch whole = make_sequence_task_batch(spec, 4, 99, 10);
  SequenceTaskBatch tail = make_sequence_task_batch(spec, 2, 99, 12);
  for (int i = 0; i < 2 * 14; ++i) EXPECT_EQ(whole.inputs.data<int32_t>()[2 * 14 + i], tail.inputs.data<int32_t>()[i]);
  SequenceTaskBatch other = make_sequence_task_batch(spec, 4, 100, 10);
  bool differs = false;
  for (int i = 0; i < 4 * 14; ++i) differs |= whole.inputs.data<int32_t>()[i] != other.inputs.data<int32_t>()[i];
  EXPECT_TRUE(differs);
}

TEST(SequenceTasks, MixedHasBothTasks) {
  SequenceTaskSpec spec{SequenceTask::Mixed, 3, 5, -100};
  SequenceTaskBatch b = make_sequence_task_batch(spec, 200, 1, 0);
  int reverse = 0;
  for (int r = 0; r < 200; ++r) reverse += b.inputs.data<int32_t>()[r * 8 + 1] == kReverseToken;
  EXPECT_GT(reverse, 70);
  EXPECT_LT(reverse, 130);
}

}  // namespace
}  // namespace hone
