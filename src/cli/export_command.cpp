// `hone export --checkpoint DIR --out HF_DIR`: a Hugging Face model directory from a hone checkpoint.
#include <cstdio>

#include "cli/commands.h"
#include "train/checkpoint.h"

namespace hone::cli {

void register_export(CLI::App& app) {
  struct Options {
    std::string checkpoint, out;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = add_command(
      app, "export", "Write a Hugging Face directory (config.json, model.safetensors, tokenizer) from a checkpoint",
      [options] {
        export_hf_directory(options->checkpoint, options->out);
        std::printf("exported %s -> %s\n", options->checkpoint.c_str(), options->out.c_str());
      });
  command->add_option("--checkpoint", options->checkpoint, "hone checkpoint directory")->required();
  command->add_option("--out", options->out, "Hugging Face directory to write (replaced atomically)")->required();
}

}  // namespace hone::cli
