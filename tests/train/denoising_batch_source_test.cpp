// Denoising batch sources on a synthetic token dataset: batch layout for both families, that every
// packed example gives its source text back (prefix LM: inputs ++ targets; span corruption: the
// sentinels pair up and uncorrupting restores the chunk), that chunks follow the document stream as
// split_tokens cuts it, mixture frequencies, exact resume, refused cursors, and construction errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <fstream>
#include <map>

#include "backend/elementwise.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/corpus_files.h"
#include "data/document_chunks.h"
#include "data/token_shard_writer.h"
#include "model/language_model.h"
#include "model/presets.h"
#include "objectives/span_lengths.h"
#include "support/tensor_testing.h"
#include "train/denoising_batch_source.h"

namespace hone {
namespace {

using objectives::DenoisedExample;
using testing::TempDir;

constexpr int64_t kVocab = 1000;
constexpr int32_t kEos = 1;
constexpr int32_t kFirstSentinel = kVocab - 100;  // ids 900..999 are sentinels
constexpr int32_t kNlu = 3, kNlg = 4, kS2S = 5;    // reserved mode-token ids

using Documents = std::vector<std::vector<int32_t>>;

// Token shards plus the dataset.json that `hone tokenize` writes; documents go to two shards.
void write_dataset(const std::string& dir, const Documents& documents, const std::string& tokenizer_dir = "",
                   int64_t vocab = kVocab) {
  nlohmann::json shards = nlohmann::json::array();
  const size_t half = documents.size() / 2;
  for (int s = 0; s < 2; ++s) {
    const std::string name = "shard-" + std::to_string(s) + ".tok";
    TokenShardWriter writer(dir + "/" + name, vocab);
    for (size_t d = s ? half : 0; d < (s ? documents.size() : half); ++d) writer.add_document(documents[d]);
    writer.finish();
    shards.push_back(name);
  }
  nlohmann::json manifest = {{"format", "hone-token-shards"}, {"version", 1}, {"vocab_size", vocab},
                             {"eos_id", kEos}, {"pad_id", 0}, {"shards", shards}};
  if (!tokenizer_dir.empty()) manifest["tokenizer"] = tokenizer_dir;
  std::ofstream(dir + "/dataset.json") << manifest.dump(2);
}

// Documents of seeded random lengths in [1, max_length] with tokens in [10, 900): never a special id.
Documents random_documents(int count, int max_length, uint64_t seed) {
  Documents documents;
  uint64_t index = 0;
  for (int d = 0; d < count; ++d) {
    const int length = 1 + static_cast<int>(random_u32(seed, 1, index++) % static_cast<uint32_t>(max_length));
    std::vector<int32_t> tokens;
    for (int i = 0; i < length; ++i) tokens.push_back(10 + static_cast<int32_t>(random_u32(seed, 2, index++) % 890));
    documents.push_back(tokens);
  }
  return documents;
}

DenoisingSourceOptions source_options(const std::string& dir, const std::string& mixture, bool encoder_decoder) {
  DenoisingSourceOptions options;
  options.dataset_dir = dir;
  options.mixture = objectives::mixture_preset(mixture);
  options.objective.inputs_length = 64;
  options.objective.targets_length = 64;
  options.objective.eos_id = kEos;
  options.objective.sentinels.vocab_size = kVocab;
  options.objective.sentinels.num_sentinels = 100;
  options.objective.mode_tokens = objectives::ModeTokens::reserved(kNlu, kNlg, kS2S);
  options.encoder_decoder = encoder_decoder;
  options.sequence_length = 160;
  options.seed = 7;
  return options;
}

std::vector<int32_t> row_of(const Tensor& t, int64_t r) {
  const int32_t* p = t.data<int32_t>() + r * t.size(1);
  return std::vector<int32_t>(p, p + t.size(1));
}
std::vector<float> float_row_of(const Tensor& t, int64_t r) {
  const float* p = t.data<float>() + r * t.size(1);
  return std::vector<float>(p, p + t.size(1));
}

// One packed example read back from a batch.
struct PackedExample {
  std::vector<int32_t> inputs, targets;
};

// Encoder-decoder rows: segment s of the encoder is example s's inputs, of the decoder its targets.
// Also checks the seqio layout: positions restart per segment, decoder inputs are the targets shifted
// right within a segment, loss weight 1 exactly on non-padding targets, padding is 0 after the segments.
std::vector<PackedExample> unpack(const EncoderDecoderBatch& b) {
  std::vector<PackedExample> out;
  for (int64_t r = 0; r < b.encoder_input_tokens.size(0); ++r) {
    const auto enc = row_of(b.encoder_input_tokens, r), enc_seg = row_of(b.encoder_segment_ids, r),
               enc_pos = row_of(b.encoder_positions, r), dec = row_of(b.decoder_target_tokens, r),
               dec_in = row_of(b.decoder_input_tokens, r), dec_seg = row_of(b.decoder_segment_ids, r),
               dec_pos = row_of(b.decoder_positions, r);
    const auto weights = float_row_of(b.decoder_loss_weights, r);
    const int32_t segments = *std::max_element(enc_seg.begin(), enc_seg.end());
    EXPECT_GE(segments, 1);
    EXPECT_EQ(segments, *std::max_element(dec_seg.begin(), dec_seg.end()));
    std::vector<PackedExample> row(static_cast<size_t>(segments));
    for (size_t i = 0; i < enc.size(); ++i) {
      if (enc_seg[i] == 0) {
        EXPECT_EQ(enc[i], 0);
        continue;
      }
      EXPECT_EQ(enc_pos[i], static_cast<int32_t>(row[enc_seg[i] - 1].inputs.size()));
      row[enc_seg[i] - 1].inputs.push_back(enc[i]);
    }
    for (size_t i = 0; i < dec.size(); ++i) {
      EXPECT_EQ(weights[i], dec_seg[i] != 0 ? 1.0f : 0.0f);
      if (dec_seg[i] == 0) {
        EXPECT_EQ(dec[i], 0);
        continue;
      }
      PackedExample& example = row[dec_seg[i] - 1];
      EXPECT_EQ(dec_pos[i], static_cast<int32_t>(example.targets.size()));
      EXPECT_EQ(dec_in[i], example.targets.empty() ? 0 : example.targets.back());
      example.targets.push_back(dec[i]);
    }
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

// Decoder-only prefix-LM rows: the model reads `tokens` (the sequence shifted right, 0 at a segment's
// start) and predicts `targets`, -100 on the inputs and padding. Checks loss weights, and the prefix
// flags: set on a segment's inputs and one position more (the first target reads the last input).
std::vector<PackedExample> unpack(const DecoderOnlyBatch& b) {
  std::vector<PackedExample> out;
  for (int64_t r = 0; r < b.tokens.size(0); ++r) {
    const auto tokens = row_of(b.tokens, r), targets = row_of(b.targets, r), prefix = row_of(b.prefix, r),
               segments = row_of(b.segments, r);
    const auto weights = float_row_of(b.loss_weights, r);
    const int64_t T = b.tokens.size(1);
    int64_t start = 0;
    int32_t expected_segment = 1;
    while (start < T && segments[start] != 0) {
      int64_t end = start;
      while (end < T && segments[end] == segments[start]) ++end;
      EXPECT_EQ(segments[start], expected_segment++);  // segment ids count from 1 within a row
      EXPECT_EQ(tokens[start], 0);  // the decoder starts every segment from 0
      // The whole sequence: each next input token, and the last target.
      std::vector<int32_t> sequence;
      for (int64_t i = start; i + 1 < end; ++i) sequence.push_back(tokens[i + 1]);
      sequence.push_back(targets[end - 1]);
      int64_t inputs = 0;
      while (start + inputs < end && targets[start + inputs] == -100) ++inputs;
      PackedExample example;
      example.inputs.assign(sequence.begin(), sequence.begin() + inputs);
      example.targets.assign(sequence.begin() + inputs, sequence.end());
      for (int64_t i = start; i < end; ++i) {
        const bool in_targets = i - start >= inputs;
        EXPECT_EQ(weights[i], in_targets ? 1.0f : 0.0f);
        if (in_targets) {
          EXPECT_EQ(targets[i], sequence[i - start]);
        } else {
          EXPECT_EQ(targets[i], -100);
        }
        EXPECT_EQ(prefix[i], i - start < inputs + 1 ? 1 : 0) << "position " << i - start << " of " << inputs << " inputs";
      }
      out.push_back(example);
      start = end;
    }
    for (int64_t i = start; i < T; ++i) {
      EXPECT_EQ(segments[i], 0);
      EXPECT_EQ(targets[i], -100);
      EXPECT_EQ(weights[i], 0.0f);
      EXPECT_EQ(prefix[i], 0);
    }
  }
  return out;
}

std::vector<PackedExample> unpack(const TrainingBatch& batch) {
  EXPECT_NE(batch.decoder_only.has_value(), batch.encoder_decoder.has_value());
  return batch.encoder_decoder ? unpack(*batch.encoder_decoder) : unpack(*batch.decoder_only);
}

bool is_sentinel(int32_t id) { return id >= kFirstSentinel; }

// The source chunk an example was made from, with the denoiser its mode token names. Checks the
// denoiser's invariants: EOS at the end of both parts; for span corruption, sentinels vocab-1, vocab-2,
// ... in order in the inputs, the same ones in the same order in the targets, each followed there by
// the (non-empty) span it hides.
struct Recovered {
  char denoiser = '?';  // R, X, S, or T (T5 span corruption, no mode token)
  std::vector<int32_t> source;
};

Recovered recover(const PackedExample& example, bool mode_tokens) {
  Recovered out;
  EXPECT_GE(example.inputs.size(), 2u);
  EXPECT_GE(example.targets.size(), 2u);
  EXPECT_EQ(example.inputs.back(), kEos);
  EXPECT_EQ(example.targets.back(), kEos);
  std::vector<int32_t> inputs(example.inputs.begin() + (mode_tokens ? 1 : 0), example.inputs.end() - 1);
  const std::vector<int32_t> targets(example.targets.begin(), example.targets.end() - 1);
  if (!mode_tokens) out.denoiser = 'T';
  else if (example.inputs.front() == kNlu) out.denoiser = 'R';
  else if (example.inputs.front() == kNlg) out.denoiser = 'X';
  else if (example.inputs.front() == kS2S) out.denoiser = 'S';
  else ADD_FAILURE() << "no mode token at the start of the inputs: " << example.inputs.front();
  if (out.denoiser == 'S') {
    for (int32_t id : inputs) EXPECT_FALSE(is_sentinel(id));
    EXPECT_FALSE(inputs.empty());
    EXPECT_FALSE(targets.empty());
    out.source = inputs;
    out.source.insert(out.source.end(), targets.begin(), targets.end());
    return out;
  }
  // Span corruption: the spans each target sentinel introduces.
  std::map<int32_t, std::vector<int32_t>> spans;
  int32_t expected_sentinel = kVocab - 1;
  EXPECT_TRUE(!targets.empty() && is_sentinel(targets.front()));
  int32_t current = -1;
  for (int32_t id : targets) {
    if (is_sentinel(id)) {
      EXPECT_EQ(id, expected_sentinel--);
      current = id;
      spans[id];
    } else {
      spans[current].push_back(id);
    }
  }
  expected_sentinel = kVocab - 1;
  for (int32_t id : inputs) {
    if (!is_sentinel(id)) {
      out.source.push_back(id);
      continue;
    }
    EXPECT_EQ(id, expected_sentinel--);
    EXPECT_TRUE(spans.count(id) && !spans[id].empty()) << "sentinel " << id << " has no span in the targets";
    out.source.insert(out.source.end(), spans[id].begin(), spans[id].end());
    spans.erase(id);
  }
  EXPECT_TRUE(spans.empty()) << spans.size() << " target sentinels do not pair with an input sentinel";
  return out;
}

// Walks the document stream as the source should: each example's source is the next
// min(source length of its denoiser, rest of the document) tokens; chunks too short (< 2 tokens) are
// skipped. Returns the number of skipped chunks.
class StreamWalker {
 public:
  StreamWalker(const Documents& documents, const DocumentChunks& chunks, const DenoisingSourceOptions& options)
      : documents_(documents), chunks_(chunks), options_(options) {
    order_ = chunks_.epoch_order(0);
  }

  void expect_next(const Recovered& example) {
    const int64_t wanted = source_length(example.denoiser);
    for (;;) {
      const std::vector<int32_t>& document = documents_[order_[document_]];
      const int64_t rest = static_cast<int64_t>(document.size()) - offset_;
      const int64_t take = std::min(wanted, rest);
      if (rest < 2 && take < 2) {  // what the source skips (a tail shorter than any denoiser needs)
        ++skipped_;
        advance(rest);
        continue;
      }
      std::vector<int32_t> expected(document.begin() + offset_, document.begin() + offset_ + take);
      ASSERT_EQ(example.source, expected) << "example " << examples_ << " (" << example.denoiser << ")";
      ++examples_;
      advance(take);
      return;
    }
  }
  int64_t skipped() const { return skipped_; }
  int64_t examples() const { return examples_; }

 private:
  // The mode token names R, X or S but not which R or X (ul2 has several): callers keep documents
  // shorter than those source lengths, so the smallest one decides nothing it should not.
  int64_t source_length(char denoiser) const {
    int64_t shortest = -1;
    for (const auto& component : options_.mixture.components) {
      const char letter = component.denoiser.name[0] == 's' ? 'T' : component.denoiser.name[0];
      const int64_t length = objectives::source_length(component.denoiser, options_.objective);
      if (letter == denoiser && (shortest < 0 || length < shortest)) shortest = length;
    }
    EXPECT_GE(shortest, 0) << "denoiser " << denoiser << " is not in the mixture";
    return shortest;
  }
  void advance(int64_t taken) {
    offset_ += taken;
    if (offset_ == static_cast<int64_t>(documents_[order_[document_]].size())) {
      offset_ = 0;
      if (++document_ == static_cast<int64_t>(order_.size())) {
        document_ = 0;
        order_ = chunks_.epoch_order(++epoch_);
      }
    }
  }

  const Documents& documents_;
  const DocumentChunks& chunks_;
  const DenoisingSourceOptions& options_;
  std::vector<int64_t> order_;
  int64_t epoch_ = 0, document_ = 0, offset_ = 0, skipped_ = 0, examples_ = 0;
};

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

bool same_batches(const TrainingBatch& a, const TrainingBatch& b) {
  if (a.tokens != b.tokens || a.loss_tokens != b.loss_tokens) return false;
  if (a.encoder_decoder && b.encoder_decoder) {
    const EncoderDecoderBatch &x = *a.encoder_decoder, &y = *b.encoder_decoder;
    return same_bytes(x.encoder_input_tokens, y.encoder_input_tokens) &&
           same_bytes(x.encoder_segment_ids, y.encoder_segment_ids) && same_bytes(x.encoder_positions, y.encoder_positions) &&
           same_bytes(x.decoder_input_tokens, y.decoder_input_tokens) &&
           same_bytes(x.decoder_target_tokens, y.decoder_target_tokens) &&
           same_bytes(x.decoder_loss_weights, y.decoder_loss_weights) &&
           same_bytes(x.decoder_segment_ids, y.decoder_segment_ids) && same_bytes(x.decoder_positions, y.decoder_positions);
  }
  if (a.decoder_only && b.decoder_only) {
    const DecoderOnlyBatch &x = *a.decoder_only, &y = *b.decoder_only;
    return same_bytes(x.tokens, y.tokens) && same_bytes(x.targets, y.targets) && same_bytes(x.prefix, y.prefix) &&
           same_bytes(x.segments, y.segments) && same_bytes(x.loss_weights, y.loss_weights);
  }
  return false;
}

class DenoisingBatchSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    documents_ = random_documents(60, 150, 11);
    documents_[3] = {42};  // one-token documents: skipped by every denoiser
    documents_[17] = {43};
    write_dataset(dir_.path(), documents_);
  }
  TempDir dir_;
  Documents documents_;
};

// Every example of `batches` batches goes back to the document stream, in order.
void expect_examples_follow_the_stream(const Documents& documents, const DenoisingSourceOptions& options, int batches,
                                       int64_t batch_size) {
  DenoisingBatchSource source(options);
  const DocumentChunks chunks = DocumentChunks::open_directory(options.dataset_dir, options.seed, options.shuffle);
  StreamWalker walker(documents, chunks, options);
  std::map<char, int> seen;
  for (int b = 0; b < batches; ++b) {
    const TrainingBatch batch = source.next(batch_size);
    for (const PackedExample& example : unpack(batch)) {
      const Recovered recovered = recover(example, options.objective.use_mode_tokens);
      ++seen[recovered.denoiser];
      walker.expect_next(recovered);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  // The walker stops at the last packed example; the source may have drawn (and skipped) past it.
  EXPECT_GE(source.skipped_chunks(), walker.skipped());
  EXPECT_GT(walker.skipped(), 0);
  for (const auto& component : options.mixture.components) {
    const char letter = component.denoiser.name[0] == 's' ? 'T' : component.denoiser.name[0];
    EXPECT_GT(seen[letter], 0) << component.denoiser.name << " never drawn";
  }
  EXPECT_GT(walker.examples(), 40);
}

TEST_F(DenoisingBatchSourceTest, EncoderDecoderBatchesHaveSeqioLayoutAndCounts) {
  DenoisingBatchSource source(source_options(dir_.path(), "ul2r", true));
  const TrainingBatch batch = source.next(3);
  ASSERT_TRUE(batch.encoder_decoder.has_value());
  ASSERT_FALSE(batch.decoder_only.has_value());
  const EncoderDecoderBatch& b = *batch.encoder_decoder;
  for (const Tensor* t : {&b.encoder_input_tokens, &b.encoder_segment_ids, &b.encoder_positions})
    EXPECT_EQ(t->shape(), (Shape{3, 64}));
  for (const Tensor* t : {&b.decoder_input_tokens, &b.decoder_target_tokens, &b.decoder_segment_ids, &b.decoder_positions})
    EXPECT_EQ(t->shape(), (Shape{3, 64}));
  EXPECT_EQ(b.decoder_loss_weights.dtype(), DType::F32);
  int64_t tokens = 0, loss = 0;
  for (int64_t i = 0; i < 3 * 64; ++i) {
    tokens += (b.encoder_segment_ids.data<int32_t>()[i] != 0) + (b.decoder_segment_ids.data<int32_t>()[i] != 0);
    loss += b.decoder_loss_weights.data<float>()[i] != 0.0f;
  }
  EXPECT_EQ(batch.tokens, tokens);
  EXPECT_EQ(batch.loss_tokens, loss);
  EXPECT_GT(loss, 0);
  const auto examples = unpack(batch);  // checks positions, shift and weights
  EXPECT_GE(examples.size(), 3u);
}

TEST_F(DenoisingBatchSourceTest, EncoderDecoderExamplesGiveTheSourceBack) {
  expect_examples_follow_the_stream(documents_, source_options(dir_.path(), "ul2r", true), 12, 4);
}

TEST_F(DenoisingBatchSourceTest, DecoderOnlyExamplesGiveTheSourceBackWithLossOnTargetsOnly) {
  DenoisingSourceOptions options = source_options(dir_.path(), "ul2r", false);
  expect_examples_follow_the_stream(documents_, options, 12, 3);
  DenoisingBatchSource source(options);
  const TrainingBatch batch = source.next(2);
  ASSERT_TRUE(batch.decoder_only.has_value());
  EXPECT_EQ(batch.decoder_only->tokens.shape(), (Shape{2, 160}));
  int64_t tokens = 0, loss = 0;
  for (int64_t i = 0; i < 2 * 160; ++i) {
    tokens += batch.decoder_only->segments.data<int32_t>()[i] != 0;
    loss += batch.decoder_only->targets.data<int32_t>()[i] != -100;
  }
  EXPECT_EQ(batch.tokens, tokens);
  EXPECT_EQ(batch.loss_tokens, loss);
  EXPECT_LT(loss, tokens);  // the inputs carry no loss
}

TEST_F(DenoisingBatchSourceTest, T5SpanCorruptionWithoutModeTokensAndUnshuffled) {
  DenoisingSourceOptions options = source_options(dir_.path(), "t5", true);
  options.objective.use_mode_tokens = false;
  options.shuffle = false;
  expect_examples_follow_the_stream(documents_, options, 10, 4);
}

TEST_F(DenoisingBatchSourceTest, UL2SevenDenoisersPackAndReconstruct) {
  DenoisingSourceOptions options = source_options(dir_.path(), "ul2", false);
  options.objective.inputs_length = 256;  // X(64, .15) needs mu 64 <= its source tokens
  options.objective.targets_length = 256;
  options.sequence_length = 640;
  expect_examples_follow_the_stream(documents_, options, 6, 2);
}

TEST(DenoisingBatchSource, MixtureFrequenciesFollowTheRates) {
  TempDir dir;
  write_dataset(dir.path(), random_documents(400, 400, 5));
  DenoisingSourceOptions options = source_options(dir.path(), "ul2r", true);
  DenoisingBatchSource source(options);
  std::map<int32_t, int64_t> by_mode_token;
  int64_t examples = 0;
  while (examples < 20000) {
    for (const PackedExample& example : unpack(source.next(64))) {
      ++by_mode_token[example.inputs.front()];
      ++examples;
    }
  }
  // ul2r: S 50%, R 25%, X 25%; the binomial standard deviation at 20000 draws is at most 0.0036.
  const double n = static_cast<double>(examples);
  EXPECT_NEAR(by_mode_token[kS2S] / n, 0.50, 0.015);
  EXPECT_NEAR(by_mode_token[kNlu] / n, 0.25, 0.015);
  EXPECT_NEAR(by_mode_token[kNlg] / n, 0.25, 0.015);
  EXPECT_EQ(by_mode_token[kS2S] + by_mode_token[kNlu] + by_mode_token[kNlg], examples);
  // The source's own count agrees with what the batches carry (components in preset order: S, R, X).
  EXPECT_EQ(source.examples_per_denoiser(), (std::vector<int64_t>{by_mode_token[kS2S], by_mode_token[kNlu], by_mode_token[kNlg]}));
}

void expect_exact_resume(const DenoisingSourceOptions& options) {
  for (int k : {0, 3}) {
    DenoisingBatchSource first(options);
    for (int i = 0; i < k; ++i) first.next(3);
    // Through text, as a checkpoint's trainer_state.json carries it.
    const nlohmann::json cursor = nlohmann::json::parse(first.save_cursor().dump());
    std::vector<TrainingBatch> straight;
    for (int i = 0; i < 5; ++i) straight.push_back(first.next(i % 2 ? 2 : 3));
    std::unique_ptr<BatchSource> resumed = make_denoising_batch_source(options);
    resumed->restore_cursor(cursor);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(same_batches(resumed->next(i % 2 ? 2 : 3), straight[i])) << "k " << k << " batch " << i;
    // And a restored source saves the same cursor as the one that drew straight on.
    EXPECT_EQ(resumed->save_cursor(), first.save_cursor());
  }
}

TEST_F(DenoisingBatchSourceTest, ResumeGivesIdenticalBatchesEncoderDecoder) {
  expect_exact_resume(source_options(dir_.path(), "ul2r", true));
}

TEST_F(DenoisingBatchSourceTest, ResumeGivesIdenticalBatchesDecoderOnly) {
  expect_exact_resume(source_options(dir_.path(), "ul2r", false));
}

TEST_F(DenoisingBatchSourceTest, ResumeAcrossEpochsAndDifferentSeedsDiffer) {
  DenoisingSourceOptions options = source_options(dir_.path(), "ul2r", true);
  DenoisingBatchSource source(options);
  // 60 documents of ~75 tokens: 40 batches of 4 rows run well into later epochs.
  for (int i = 0; i < 40; ++i) source.next(4);
  const nlohmann::json cursor = source.save_cursor();
  EXPECT_GE(cursor.at("epoch").get<int64_t>(), 1);
  const TrainingBatch straight = source.next(4);
  DenoisingBatchSource resumed(options);
  resumed.restore_cursor(cursor);
  EXPECT_TRUE(same_batches(resumed.next(4), straight));
  options.seed = 8;
  DenoisingBatchSource other_seed(options), same_seed(source_options(dir_.path(), "ul2r", true));
  EXPECT_FALSE(same_batches(other_seed.next(4), same_seed.next(4)));
}

TEST_F(DenoisingBatchSourceTest, MismatchedCursorIsRefused) {
  DenoisingBatchSource source(source_options(dir_.path(), "ul2r", true));
  source.next(2);
  const nlohmann::json cursor = source.save_cursor();
  auto refused = [&](DenoisingSourceOptions options) {
    DenoisingBatchSource other(options);
    return error_of([&] { other.restore_cursor(cursor); });
  };
  DenoisingSourceOptions options = source_options(dir_.path(), "ul2r", true);
  options.seed = 99;
  EXPECT_NE(refused(options).find("seed"), std::string::npos) << refused(options);
  options = source_options(dir_.path(), "t5", true);
  EXPECT_NE(refused(options).find("mixture"), std::string::npos) << refused(options);
  options = source_options(dir_.path(), "ul2r", false);
  EXPECT_NE(refused(options).find("family"), std::string::npos) << refused(options);
  options = source_options(dir_.path(), "ul2r", true);
  options.objective.inputs_length = 128;
  options.objective.targets_length = 128;
  EXPECT_NE(refused(options).find("inputs_length"), std::string::npos) << refused(options);
  options = source_options(dir_.path(), "ul2r", true);
  objectives::set_mixture_rates(options.mixture, {0.6, 0.2, 0.2});
  EXPECT_NE(refused(options).find("denoisers"), std::string::npos) << refused(options);

  DenoisingBatchSource same(source_options(dir_.path(), "ul2r", true));
  // A causal-LM (PackedDataset) cursor, and a position outside the dataset.
  const std::string foreign = error_of([&] {
    same.restore_cursor({{"epoch", 0}, {"document", 0}, {"offset", 0}, {"seed", 7}, {"sequence_length", 64}});
  });
  EXPECT_NE(foreign.find("not saved by a denoising batch source"), std::string::npos) << foreign;
  nlohmann::json outside = cursor;
  outside["document"] = 60;
  EXPECT_NE(error_of([&] { same.restore_cursor(outside); }).find("outside the dataset"), std::string::npos);
  // The refused restores left the source as it was.
  DenoisingBatchSource fresh(source_options(dir_.path(), "ul2r", true));
  EXPECT_TRUE(same_batches(same.next(2), fresh.next(2)));
}

TEST(DenoisingBatchSource, ShortDocumentsAreSkippedAndCountedOrRefused) {
  TempDir dir;
  // S alone reads 62 tokens per example (64 less the mode token and EOS); the 1-token documents are
  // too short for it.
  Documents documents = {{20, 21, 22}, {23}, {24}, std::vector<int32_t>(62, 30), {25, 26}};
  write_dataset(dir.path(), documents);
  DenoisingSourceOptions options = source_options(dir.path(), "ul2r", true);
  objectives::set_mixture_rates(options.mixture, {1.0, 0.0, 0.0});
  options.shuffle = false;
  ASSERT_EQ(objectives::source_length(options.mixture.components[0].denoiser, options.objective), 62);
  DenoisingBatchSource source(options);
  // Every epoch: {20,21,22}, skip {23}, skip {24}, the 62 tokens, {25,26}.
  const std::vector<std::vector<int32_t>> cycle = {{20, 21, 22}, std::vector<int32_t>(62, 30), {25, 26}};
  std::vector<PackedExample> examples;
  for (int b = 0; b < 3; ++b)
    for (const PackedExample& example : unpack(source.next(2))) examples.push_back(example);
  ASSERT_GE(examples.size(), 6u);
  for (size_t i = 0; i < examples.size(); ++i) EXPECT_EQ(recover(examples[i], true).source, cycle[i % 3]) << i;
  // Skips before the next (pending) example n: two per finished epoch, two more once past {20,21,22}.
  const int64_t n = static_cast<int64_t>(examples.size());
  const int64_t skipped = 2 * (n / 3) + (n % 3 >= 1 ? 2 : 0);
  EXPECT_EQ(source.skipped_chunks(), skipped);
  EXPECT_EQ(source.save_cursor().at("skipped_chunks"), skipped);

  options.objective.short_documents = objectives::ShortDocuments::Error;
  DenoisingBatchSource strict(options);
  EXPECT_NE(error_of([&] { strict.next(3); }).find("shorter than"), std::string::npos);

  TempDir tiny;
  write_dataset(tiny.path(), {{20}, {21}, {}});
  DenoisingBatchSource hopeless(source_options(tiny.path(), "ul2r", true));
  EXPECT_NE(error_of([&] { hopeless.next(1); }).find("long enough"), std::string::npos);
}

TEST_F(DenoisingBatchSourceTest, ConstructionRefusesBadSettings) {
  auto error = [&](const DenoisingSourceOptions& options) { return error_of([&] { DenoisingBatchSource s(options); }); };
  DenoisingSourceOptions options = source_options(dir_.path(), "ul2r", true);
  options.mixture.components[0].rate = 0.4;  // 0.4 + 0.25 + 0.25
  EXPECT_NE(error(options).find("sum to"), std::string::npos) << error(options);

  options = source_options(dir_.path(), "ul2r", true);
  options.objective.inputs_length = 16;  // X(32, .5) reads 27 tokens here
  options.objective.targets_length = 32;
  options.mixture.components[2].denoiser = objectives::x_denoiser(64, 0.5);
  EXPECT_NE(error(options).find("mean span length 64"), std::string::npos) << error(options);

  options = source_options(dir_.path(), "ul2r", true);
  options.objective.sentinels.num_sentinels = 2;  // R(3, .15) at 64 inputs makes more spans
  EXPECT_NE(error(options).find("sentinel ids exist"), std::string::npos) << error(options);

  options = source_options(dir_.path(), "t5", true);
  options.objective.sentinels.vocab_size = 32100;  // T5's, not this dataset's
  EXPECT_NE(error(options).find("vocabulary of 1000"), std::string::npos) << error(options);

  options = source_options(dir_.path(), "ul2r", true);
  options.objective.eos_id = 2;
  EXPECT_NE(error(options).find("EOS"), std::string::npos) << error(options);

  options = source_options(dir_.path(), "ul2r", true);
  options.objective.mode_tokens = {};
  EXPECT_NE(error(options).find("mode token"), std::string::npos) << error(options);

  options = source_options(dir_.path(), "causal", true);
  EXPECT_NE(error(options).find("decoder-only"), std::string::npos) << error(options);

  options = source_options(dir_.path(), "ul2r", false);
  options.sequence_length = 100;  // S examples reach 64 + 2 tokens, X ones more
  EXPECT_NE(error(options).find("raise the sequence length"), std::string::npos) << error(options);

  options = source_options(dir_.path() + "/missing", "ul2r", true);
  EXPECT_NE(error(options).find("dataset.json"), std::string::npos) << error(options);
}

// A tiny model of each family takes the batches: finite loss near ln(vocab) at initialisation, and
// gradients that reach the embeddings.
TEST_F(DenoisingBatchSourceTest, ModelsTrainOnTheBatches) {
  for (bool encoder_decoder : {true, false}) {
    ModelConfig config = preset_config(encoder_decoder ? "t5-tiny" : "llama-tiny");
    config.vocab_size = kVocab;
    if (!encoder_decoder) config.prefix_lm = true;
    LanguageModel model(config);
    model.initialize(3);
    DenoisingBatchSource source(source_options(dir_.path(), "ul2r", encoder_decoder));
    for (int step = 0; step < 2; ++step) {
      const TrainingBatch batch = source.next(2);
      Arena arena;
      double loss = 0.0;
      int64_t counted = 0;
      if (encoder_decoder) {
        const EncoderDecoderLoss result = model.encoder_decoder().forward_backward(arena, *batch.encoder_decoder);
        loss = result.loss;
        counted = static_cast<int64_t>(std::llround(result.weight));
      } else {
        const LossResult result = model.decoder_only().forward_backward(arena, *batch.decoder_only);
        loss = result.loss;
        counted = result.tokens;
      }
      EXPECT_TRUE(std::isfinite(loss)) << (encoder_decoder ? "t5" : "llama");
      EXPECT_GT(loss, 0.5 * std::log(static_cast<double>(kVocab)));
      EXPECT_LT(loss, 50.0);  // T5's N(0, 1) LM head starts far above ln(vocab); nothing diverged
      EXPECT_EQ(counted, batch.loss_tokens);
    }
    EXPECT_GT(sum_squares(model.params().grads()), 0.0);
  }
}

}  // namespace
}  // namespace hone
