// `hone ul2 lengths`: the raw and target lengths a span-corruption denoiser needs for an inputs length
// (T5's random_spans_helper). `hone ul2 preview` waits for the tokenizer.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "objectives/span_lengths.h"

namespace hone::cli {
namespace {

struct LengthsArgs {
  int64_t inputs_length = 512;
  double noise_density = 0.15;
  double mean_span = 3.0;
};

void run_lengths(const LengthsArgs& args) {
  if (args.inputs_length < 2) fail_usage("ul2 lengths: --inputs-length must be at least 2");
  if (!(args.noise_density > 0.0 && args.noise_density < 1.0))
    fail_usage("ul2 lengths: --noise-density must lie strictly between 0 and 1");
  if (!(args.mean_span > 0.0)) fail_usage("ul2 lengths: --mean-span must be positive");
  const auto lengths =
      objectives::span_corruption_lengths(args.inputs_length, args.noise_density, args.mean_span);
  const auto counts = objectives::span_counts(lengths.raw_length, args.noise_density, args.mean_span);
  std::printf("inputs length %lld, noise density %g, mean span %g\n", static_cast<long long>(args.inputs_length),
              args.noise_density, args.mean_span);
  std::printf("raw length:     %lld source tokens per example\n", static_cast<long long>(lengths.raw_length));
  std::printf("targets length: %lld tokens (EOS included)\n", static_cast<long long>(lengths.targets_length));
  std::printf("per example:    %lld noise tokens in %lld spans (sentinels needed: %lld)\n",
              static_cast<long long>(counts.noise_tokens), static_cast<long long>(counts.noise_spans),
              static_cast<long long>(counts.noise_spans));
  if (counts.noise_spans > 100)
    std::printf("note: more spans than T5's 100 sentinels; such a denoiser fails unless sentinels wrap or the "
                "vocabulary has more\n");
}

}  // namespace

void register_ul2(CLI::App& app) {
  auto lengths_args = std::make_shared<LengthsArgs>();
  auto lengths = std::make_shared<CLI::App*>(nullptr);
  CLI::App* ul2 = add_command(app, "ul2", "UL2 denoisers: lengths for span corruption", [lengths, lengths_args] {
    if ((*lengths)->parsed()) run_lengths(*lengths_args);
  });
  ul2->require_subcommand(1);
  *lengths = ul2->add_subcommand("lengths", "Raw and targets lengths of span corruption for an inputs length "
                                            "(T5's random_spans_helper)");
  (*lengths)->add_option("--inputs-length", lengths_args->inputs_length, "Encoded inputs length, EOS included")->required();
  (*lengths)->add_option("--noise-density", lengths_args->noise_density, "Fraction of the raw tokens masked (r)")->required();
  (*lengths)->add_option("--mean-span", lengths_args->mean_span, "Mean noise span length (mu)")->required();
}

}  // namespace hone::cli
