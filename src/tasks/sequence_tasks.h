#pragma once
// Algorithmic sequence tasks for smoke-testing training end to end: the model reads a random string of
// symbols and must write it back copied or reversed. Example i of a seed is a pure function of (seed, i).
//
// Layout of one example of length 2n + 2:  [task] s_1 .. s_n [sep] t_1 .. t_n
// where task is kCopyToken or kReverseToken and t is s or s reversed. Inputs are the sequence shifted
// right (starting with kBosToken); targets are the next tokens, with the ignore index everywhere except
// the n answer tokens and the final one.
#include <cstdint>

#include "core/tensor.h"

namespace hone {

enum class SequenceTask { Copy, Reverse, Mixed };

struct SequenceTaskBatch {
  Tensor inputs;   // I32 [batch, 2n + 2]
  Tensor targets;  // I32 [batch, 2n + 2], ignore_index where no loss applies
  int64_t answer_tokens = 0;  // number of non-ignored targets
};

struct SequenceTaskSpec {
  SequenceTask task = SequenceTask::Mixed;
  int64_t length = 8;    // n, symbols per string
  int64_t symbols = 16;  // alphabet size
  int32_t ignore_index = -100;
};

inline constexpr int32_t kBosToken = 0;
inline constexpr int32_t kSepToken = 1;
inline constexpr int32_t kCopyToken = 2;
inline constexpr int32_t kReverseToken = 3;
inline constexpr int32_t kFirstSymbolToken = 4;

// Vocabulary size the model needs for a spec.
inline int64_t sequence_task_vocab(const SequenceTaskSpec& spec) { return kFirstSymbolToken + spec.symbols; }

// Examples first_index .. first_index + batch - 1 of the stream for seed.
SequenceTaskBatch make_sequence_task_batch(const SequenceTaskSpec& spec, int64_t batch, uint64_t seed,
                                           uint64_t first_index);

}  // namespace hone
