#include "tasks/sequence_tasks.h"

#include <vector>

#include "core/rng.h"

namespace hone {

SequenceTaskBatch make_sequence_task_batch(const SequenceTaskSpec& spec, int64_t batch, uint64_t seed,
                                           uint64_t first_index) {
  HONE_CHECK(spec.length >= 1 && spec.symbols >= 2 && batch >= 1, "sequence task: need length >= 1, symbols >= 2, batch >= 1");
  const int64_t n = spec.length, width = 2 * n + 2;
  SequenceTaskBatch out;
  out.inputs = Tensor::empty({batch, width}, DType::I32);
  out.targets = Tensor::empty({batch, width}, DType::I32);
  int32_t* in = out.inputs.data<int32_t>();
  int32_t* tg = out.targets.data<int32_t>();
  std::vector<int32_t> seq(static_cast<size_t>(width + 1));
  for (int64_t b = 0; b < batch; ++b) {
    const uint64_t example = first_index + static_cast<uint64_t>(b);
    // Stream = example index; element 0 picks the task, elements 1..n the symbols.
    bool reverse = spec.task == SequenceTask::Reverse ||
                   (spec.task == SequenceTask::Mixed && (random_u32(seed, example, 0) & 1));
    seq[0] = kBosToken;
    seq[1] = reverse ? kReverseToken : kCopyToken;
    for (int64_t i = 0; i < n; ++i) {
      seq[2 + i] = kFirstSymbolToken + static_cast<int32_t>(random_u32(seed, example, 1 + i) % spec.symbols);
    }
    seq[2 + n] = kSepToken;
    for (int64_t i = 0; i < n; ++i) seq[3 + n + i] = reverse ? seq[2 + (n - 1 - i)] : seq[2 + i];
    // seq has width + 1 tokens: inputs are seq[0..width), targets seq[1..width].
    for (int64_t t = 0; t < width; ++t) {
      in[b * width + t] = seq[t];
      const bool answer = t >= n + 2;  // predicting t_1 .. t_n
      tg[b * width + t] = answer ? seq[t + 1] : spec.ignore_index;
    }
  }
  out.answer_tokens = batch * n;
  return out;
}

}  // namespace hone
