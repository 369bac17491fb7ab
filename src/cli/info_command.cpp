// `hone info`: what this build is and what it runs on (threads, BLAS, devices).
#include <cblas.h>

#include <cstdio>

#include "cli/commands.h"
#include "core/threads.h"
#include "core/version.h"

namespace hone::cli {

void register_info(CLI::App& app) {
  auto threads = std::make_shared<int>(0);
  CLI::App* command = add_command(app, "info", "Show the build, thread count and BLAS in use", [threads] {
    if (*threads > 0) set_num_threads(*threads);
    std::printf("hone %s\n", HONE_VERSION);
    std::printf("threads: %d (set with --threads or HONE_THREADS)\n", num_threads());
    std::printf("blas: %s\n", openblas_get_config());
    std::printf("devices: cpu\n");
  });
  command->add_option("--threads", *threads, "Thread count for BLAS and kernels")->check(CLI::Range(1, 4096));
}

}  // namespace hone::cli
