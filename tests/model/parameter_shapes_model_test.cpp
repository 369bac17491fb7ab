// parameter_shapes() and the parameters the decoder-only model actually registers agree: same Hugging
// Face names, same shapes (the model registers them in its own order).
#include <gtest/gtest.h>

#include <map>

#include "model/decoder_only.h"
#include "model/parameter_shapes.h"
#include "model/presets.h"
#include "model/shape_stats.h"

namespace hone {
namespace {

TEST(ParameterShapes, MatchTheDecoderOnlyModel) {
  for (bool tied : {false, true}) {
    ModelConfig c = preset_config("llama-tiny");
    c.tie_embeddings = tied;
    DecoderOnlyConfig model_config;
    model_config.vocab_size = c.vocab_size;
    model_config.d_model = c.d_model;
    model_config.n_layers = c.n_decoder_layers;
    model_config.n_heads = c.n_heads;
    model_config.n_kv_heads = c.n_kv_heads;
    model_config.d_ff = c.d_ff;
    model_config.tie_embeddings = tied;
    DecoderOnlyModel model(model_config);

    std::map<std::string, Shape> registered;
    for (const Parameter& p : model.params().all()) registered[p.name] = p.shape;
    std::map<std::string, Shape> expected;
    for (const ParameterShape& p : parameter_shapes(c)) expected[p.name] = Shape(p.shape.begin(), p.shape.end());
    EXPECT_EQ(registered, expected) << "tied " << tied;
    EXPECT_EQ(model.params().numel(), count_parameters(c).total) << "tied " << tied;
  }
}

}  // namespace
}  // namespace hone
