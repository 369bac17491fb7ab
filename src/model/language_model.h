#pragma once
// Either model family behind one handle: what the trainer, `hone generate` and `hone eval` hold when the
// family is only known from a config (a recipe, a checkpoint's config.json).
#include <memory>

#include "model/config.h"
#include "model/decoder_only.h"
#include "model/encoder_decoder.h"

namespace hone {

class LanguageModel {
 public:
  // Validates the config and builds the model of its family; parameters are allocated, not initialised.
  explicit LanguageModel(const ModelConfig& config, DType dtype = DType::F32);

  // The family's own initialisation (DecoderOnlyModel::initialize, EncoderDecoderModel::initialize).
  void initialize(uint64_t seed);

  const ModelConfig& config() const { return config_; }
  bool is_encoder_decoder() const { return config_.is_encoder_decoder(); }
  // The concrete model; asking for the other family is an hone::Error.
  DecoderOnlyModel& decoder_only();
  const DecoderOnlyModel& decoder_only() const;
  EncoderDecoderModel& encoder_decoder();
  const EncoderDecoderModel& encoder_decoder() const;

  ParameterStore& params();
  const ParameterStore& params() const;

 private:
  ModelConfig config_;
  std::unique_ptr<DecoderOnlyModel> decoder_only_;
  std::unique_ptr<EncoderDecoderModel> encoder_decoder_;
};

}  // namespace hone
