#pragma once
// Where the trainer's batches come from. A BatchSource turns a token stream into model batches for one
// objective (causal LM windows, T5 span corruption, a UL2 mixture of denoisers, prefix LM) and can save
// and restore its position exactly: restoring a saved cursor and drawing again gives the same batches,
// bit for bit, as drawing straight on. That is what makes resume bit-identical.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "model/decoder_only.h"
#include "model/encoder_decoder.h"

namespace hone {

// One batch for one family: exactly one of the two is set. Tensors own their storage.
struct TrainingBatch {
  std::optional<DecoderOnlyBatch> decoder_only;
  std::optional<EncoderDecoderBatch> encoder_decoder;
  int64_t tokens = 0;       // non-padding input + target tokens the batch carries (the run's D counts these)
  int64_t loss_tokens = 0;  // target positions that carry loss
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // The next batch of batch_size rows.
  virtual TrainingBatch next(int64_t batch_size) = 0;
  // Position in the stream as JSON (with what it belongs to, so a mismatched restore is refused).
  virtual nlohmann::json save_cursor() const = 0;
  virtual void restore_cursor(const nlohmann::json& cursor) = 0;
};

}  // namespace hone
