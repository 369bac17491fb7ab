#include "train/instruction_batch_source.h"

#include <algorithm>

#include "core/error.h"

namespace hone {

InstructionBatchSource::InstructionBatchSource(InstructionSourceOptions options)
    : options_(std::move(options)), tokenizer_(Tokenizer::load(options_.tokenizer_dir)) {
  const ExampleRowLayout& layout = options_.layout;
  if (layout.encoder_decoder) {
    HONE_CHECK(layout.inputs_length >= 2 && layout.targets_length >= 2, "instruction batches: inputs_length and ",
               "targets_length must be at least 2, got ", layout.inputs_length, " and ", layout.targets_length);
    input_limit_ = layout.inputs_length;
    target_limit_ = layout.targets_length;
  } else {
    HONE_CHECK(layout.sequence_length >= 4, "instruction batches: sequence_length must be at least 4, got ",
               layout.sequence_length);
    HONE_CHECK(options_.decoder_only_input_share > 0 && options_.decoder_only_input_share < 1,
               "instruction batches: decoder_only_input_share must be in (0, 1)");
    input_limit_ = std::max<int64_t>(1, static_cast<int64_t>(layout.sequence_length * options_.decoder_only_input_share));
    target_limit_ = layout.sequence_length - input_limit_;
  }
  tasks::InstructionMixtureOptions mixture = options_.mixture;
  const Tokenizer* tokenizer = &tokenizer_;
  mixture.count_tokens = [tokenizer](const std::string& text) {
    return static_cast<int64_t>(tokenizer->encode(text).size()) + 1;  // + EOS
  };
  mixture.max_input_tokens = input_limit_;
  mixture_ = std::make_unique<tasks::InstructionMixture>(mixture);
  examples_per_task_.assign(mixture_->tasks().size(), 0);
}

objectives::DenoisedExample InstructionBatchSource::example(uint64_t index) const {
  return tokenized(mixture_->example(index));
}

objectives::DenoisedExample InstructionBatchSource::tokenized(const tasks::MixtureExample& e) const {
  objectives::DenoisedExample out;
  out.inputs = tokenizer_.encode(e.text.inputs);
  out.inputs.push_back(tokenizer_.eos_id());
  out.targets = tokenizer_.encode(e.text.targets);
  out.targets.push_back(tokenizer_.eos_id());
  if (static_cast<int64_t>(out.inputs.size()) > input_limit_) out.inputs.resize(input_limit_);
  if (static_cast<int64_t>(out.targets.size()) > target_limit_) out.targets.resize(target_limit_);
  return out;
}

TrainingBatch InstructionBatchSource::next(int64_t batch_size) {
  const auto rows = fill_example_rows(
      options_.layout, batch_size, pending_,
      [&] {
        pending_index_ = next_index_++;
        const tasks::MixtureExample e = mixture_->example(pending_index_);
        pending_task_ = e.task;
        return tokenized(e);
      },
      [&] { ++examples_per_task_[pending_task_]; });
  return example_rows_to_batch(options_.layout, rows);
}

nlohmann::json InstructionBatchSource::identity() const {
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : mixture_->tasks()) tasks.push_back({{"name", t.task.name}, {"rate", t.weight}});
  const tasks::InstructionMixtureOptions& m = options_.mixture;
  const ExampleRowLayout& l = options_.layout;
  return {{"source", "instructions"},
          {"tasks", tasks},
          {"seed", m.seed},
          {"cap", m.cap},
          {"renderings", {m.zero_shot, m.few_shot, m.chain_of_thought}},
          {"shots", m.shots},
          {"layout", {l.encoder_decoder, l.inputs_length, l.targets_length, l.sequence_length, l.prefix_attention}}};
}

nlohmann::json InstructionBatchSource::save_cursor() const {
  // A pending example is drawn again after a restore, from its index.
  return {{"identity", identity()}, {"next_example", pending_ ? pending_index_ : next_index_}};
}

void InstructionBatchSource::restore_cursor(const nlohmann::json& cursor) {
  HONE_CHECK(cursor.is_object() && cursor.contains("identity") && cursor.contains("next_example"),
             "instruction batches: the saved cursor is not one of an instruction mixture");
  const nlohmann::json mine = identity();
  if (cursor.at("identity") != mine) {
    std::string differing;
    for (const auto& [key, value] : mine.items())
      if (!cursor.at("identity").contains(key) || cursor.at("identity").at(key) != value) differing += " " + key;
    fail("instruction batches: the saved cursor belongs to a different mixture (differs in:", differing,
         "); resume with the recipe the run started with");
  }
  next_index_ = cursor.at("next_example").get<uint64_t>();
  pending_.reset();
  std::fill(examples_per_task_.begin(), examples_per_task_.end(), 0);
}

}  // namespace hone
