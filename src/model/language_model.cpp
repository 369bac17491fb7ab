#include "model/language_model.h"

#include "core/error.h"

namespace hone {

LanguageModel::LanguageModel(const ModelConfig& config, DType dtype) : config_(config) {
  config_.validate();
  if (config_.is_encoder_decoder()) {
    encoder_decoder_ = std::make_unique<EncoderDecoderModel>(encoder_decoder_config(config_), dtype);
  } else {
    decoder_only_ = std::make_unique<DecoderOnlyModel>(config_, dtype);
  }
}

void LanguageModel::initialize(uint64_t seed) {
  if (encoder_decoder_) {
    encoder_decoder_->initialize(seed);
  } else {
    decoder_only_->initialize(seed);
  }
}

DecoderOnlyModel& LanguageModel::decoder_only() {
  HONE_CHECK(decoder_only_ != nullptr, "this model is encoder-decoder (", describe(config_),
             "), not decoder-only");
  return *decoder_only_;
}

const DecoderOnlyModel& LanguageModel::decoder_only() const {
  return const_cast<LanguageModel*>(this)->decoder_only();
}

EncoderDecoderModel& LanguageModel::encoder_decoder() {
  HONE_CHECK(encoder_decoder_ != nullptr, "this model is decoder-only (", describe(config_),
             "), not encoder-decoder");
  return *encoder_decoder_;
}

const EncoderDecoderModel& LanguageModel::encoder_decoder() const {
  return const_cast<LanguageModel*>(this)->encoder_decoder();
}

ParameterStore& LanguageModel::params() {
  return encoder_decoder_ ? encoder_decoder_->params() : decoder_only_->params();
}

const ParameterStore& LanguageModel::params() const { return const_cast<LanguageModel*>(this)->params(); }

}  // namespace hone
