// `hone ul2 lengths`: the raw and target lengths a span-corruption denoiser needs for an inputs length
// (T5's random_spans_helper). `hone ul2 preview`: what a denoiser makes of the user's text.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "core/error.h"
#include "objectives/span_lengths.h"
#include "objectives/ul2_preview.h"

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

struct PreviewArgs {
  std::string tokenizer, text, file;
  objectives::PreviewOptions options;
};

std::string ids_text(const std::vector<int32_t>& ids) {
  std::ostringstream out;
  for (size_t i = 0; i < ids.size(); ++i) out << (i ? " " : "") << ids[i];
  return out.str();
}

void run_preview(const PreviewArgs& args) {
  if (args.text.empty() == args.file.empty()) fail_usage("ul2 preview: give exactly one of --text and --file");
  std::string text = args.text;
  if (!args.file.empty()) {
    std::ifstream in(args.file, std::ios::binary);
    HONE_CHECK(in.good(), "cannot read ", args.file, ": check the path");
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const Tokenizer tokenizer = Tokenizer::load(args.tokenizer);
  for (const auto& example : objectives::preview_denoising(tokenizer, text, args.options)) {
    std::printf("denoiser %s (read %lld tokens)\n", example.denoiser.c_str(), static_cast<long long>(example.source_tokens));
    std::printf("  inputs:  %s\n           [%s]\n", example.inputs_text.c_str(), ids_text(example.inputs).c_str());
    std::printf("  targets: %s\n           [%s]\n", example.targets_text.c_str(), ids_text(example.targets).c_str());
  }
}

}  // namespace

void register_ul2(CLI::App& app) {
  auto lengths_args = std::make_shared<LengthsArgs>();
  auto lengths = std::make_shared<CLI::App*>(nullptr);
  auto preview_args = std::make_shared<PreviewArgs>();
  auto preview = std::make_shared<CLI::App*>(nullptr);
  CLI::App* ul2 = add_command(app, "ul2", "UL2 denoisers: span-corruption lengths and previews of examples",
                              [lengths, lengths_args, preview, preview_args] {
                                if ((*lengths)->parsed()) run_lengths(*lengths_args);
                                if ((*preview)->parsed()) run_preview(*preview_args);
                              });
  ul2->require_subcommand(1);
  *lengths = ul2->add_subcommand("lengths", "Raw and targets lengths of span corruption for an inputs length "
                                            "(T5's random_spans_helper)");
  (*lengths)->add_option("--inputs-length", lengths_args->inputs_length, "Encoded inputs length, EOS included")->required();
  (*lengths)->add_option("--noise-density", lengths_args->noise_density, "Fraction of the raw tokens masked (r)")->required();
  (*lengths)->add_option("--mean-span", lengths_args->mean_span, "Mean noise span length (mu)")->required();

  *preview = ul2->add_subcommand("preview", "Show what a denoiser or mixture makes of a text (inputs and targets, as text and ids)");
  PreviewArgs& p = *preview_args;
  (*preview)->add_option("--tokenizer", p.tokenizer, "Tokenizer directory (hone tokenizer train)")->required();
  (*preview)->add_option("--denoiser", p.options.denoiser, "Mixture preset (ul2, ul2r, t5, causal) or denoiser name, e.g. R(mu=3,r=0.15)")->capture_default_str();
  (*preview)->add_option("--seed", p.options.seed, "Seed of the masks and mixture draws")->capture_default_str();
  (*preview)->add_option("--examples", p.options.examples, "How many examples (indices 0..N-1)")->check(CLI::Range(int64_t{1}, int64_t{1000}))->capture_default_str();
  (*preview)->add_option("--inputs-length", p.options.inputs_length, "Encoded inputs length")->check(CLI::Range(int64_t{2}, int64_t{1} << 20))->capture_default_str();
  (*preview)->add_option("--targets-length", p.options.targets_length, "Encoded targets length")->check(CLI::Range(int64_t{2}, int64_t{1} << 20))->capture_default_str();
  (*preview)->add_option("--text", p.text, "The text");
  (*preview)->add_option("--file", p.file, "A file holding the text");
}

}  // namespace hone::cli
