#pragma once
// Training batches of a denoising mixture (T5 span corruption, UL2, UL2R) from token shards, for either
// model family:
//   - example k draws its denoiser (objectives::sample_denoiser(mixture, seed, k)) and reads that
//     denoiser's source length from the seeded shuffled document stream; a chunk never crosses a
//     document boundary and a longer document continues in example k+1 (seqio's split_tokens);
//   - objectives::make_denoised_example turns the chunk into (inputs, targets); a chunk too short for
//     its denoiser is skipped and counted (or fails, with ShortDocuments::Error);
//   - examples pack greedily, in order, into rows as seqio's feature converters do (encoder-decoder, or
//     decoder-only prefix LM); the example that closes a full batch's last row opens the next batch.
// The cursor is the stream position and example index at the first example not yet in a returned
// batch, so a restored source regenerates that example and yields bit-identical batches.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/document_chunks.h"
#include "objectives/denoiser.h"
#include "objectives/mixture.h"
#include "objectives/packing.h"
#include "train/batch_source.h"
#include "train/example_batches.h"

namespace hone {

// The objective defaults of a training source: as ObjectiveOptions, but short documents are skipped
// (and counted), since real corpora hold one-token documents.
objectives::ObjectiveOptions denoising_objective_defaults();

struct DenoisingSourceOptions {
  std::string dataset_dir;                 // `hone tokenize` output directory
  objectives::Mixture mixture;             // e.g. mixture_preset("ul2r") / ("t5") / ("ul2")
  objectives::ObjectiveOptions objective = denoising_objective_defaults();  // lengths, eos, sentinels, mode tokens
  bool encoder_decoder = true;             // false: decoder-only prefix-LM rows (pack_prefix_lm)
  int64_t sequence_length = 0;             // decoder-only packed row length
  uint64_t seed = 0;                       // document order and every per-example draw
  bool shuffle = true;                     // false: documents in shard order every epoch
};

class DenoisingBatchSource : public BatchSource {
 public:
  // Opens the dataset and checks everything that can be checked up front: the mixture (rates, mu
  // against the lengths, sentinels against the spans, mode tokens), sentinel ids and EOS against the
  // dataset's vocabulary and tokenizer, and that decoder-only rows hold the longest example.
  explicit DenoisingBatchSource(DenoisingSourceOptions options);

  TrainingBatch next(int64_t batch_size) override;
  nlohmann::json save_cursor() const override;
  void restore_cursor(const nlohmann::json& cursor) override;

  // Examples in the batches returned since construction or the last restore, per mixture component.
  const std::vector<int64_t>& examples_per_denoiser() const { return examples_per_denoiser_; }
  // Chunks skipped as too short for their denoiser, over the whole stream (saved in the cursor).
  int64_t skipped_chunks() const { return state_.skipped; }

 private:
  struct StreamState {
    DocumentPosition position;
    uint64_t example = 0;  // index of the next example to draw
    int64_t skipped = 0;
  };
  // The next example (drawing past skipped chunks); also returns its mixture component.
  objectives::DenoisedExample draw_example(size_t& component);
  nlohmann::json identity() const;

  DenoisingSourceOptions options_;
  ExampleRowLayout layout_;
  DocumentChunks documents_;
  StreamState state_;                                  // after the last drawn example
  std::optional<objectives::DenoisedExample> pending_;  // drawn but not yet in a batch
  StreamState pending_start_;                          // state_ before pending_ was drawn
  size_t pending_component_ = 0;
  std::vector<int64_t> source_lengths_;  // per component: the source tokens one example reads
  std::vector<int64_t> examples_per_denoiser_;
};

std::unique_ptr<BatchSource> make_denoising_batch_source(const DenoisingSourceOptions& options);

// The most tokens inputs ++ targets of one example of this denoiser can hold at these lengths.
int64_t longest_denoised_example(const objectives::Denoiser& denoiser, const objectives::ObjectiveOptions& objective);

// Decoder-only rows of sequence_length tokens: the largest inputs_length (targets_length = sequence_length)
// at which every example of the mixture fits a row, so that nothing is ever trimmed. Fails when even
// the shortest inputs do not fit.
objectives::ObjectiveOptions fit_decoder_only_lengths(const objectives::Mixture& mixture,
                                                      objectives::ObjectiveOptions objective, int64_t sequence_length);

}  // namespace hone
