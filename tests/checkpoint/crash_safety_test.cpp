// A checkpoint survives whatever happens during the next save: kill -9 at random moments, a full disk,
// and the leftovers of an interrupted save are cleaned up or restored.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <csignal>
#include <random>
#include <thread>

#include "backend/elementwise.h"
#include "core/safetensors.h"
#include "checkpoint/checkpoint_testing.h"
#include "train/checkpoint.h"

namespace hone::testing {
namespace {

namespace fs = std::filesystem;

// A few MB of parameters, so that a kill often lands in the middle of writing them.
struct BigState {
  ModelConfig config = tiny_llama_config();
  ParameterStore params;
  Tensor moments = Tensor::zeros({300000});
  BigState() {
    params.add("model.layers.0.mlp.up_proj.weight", {512, 512});
    params.add("model.layers.0.mlp.down_proj.weight", {256, 1024});
    params.add("model.norm.weight", {1000});
    params.finalize();
  }
  // Every value of weights, moments and trainer state encodes the save's number.
  CheckpointContents set_to(int64_t k) {
    float* p = params.values().data<float>();
    for (int64_t i = 0; i < params.numel(); ++i) p[i] = static_cast<float>(k);
    float* m = moments.data<float>();
    for (int64_t i = 0; i < moments.numel(); ++i) m[i] = static_cast<float>(k);
    CheckpointContents c;
    c.optimizer = OptimizerState{"adamw", k, {{"exp_avg.x", moments}}};
    c.trainer = TrainerState{};
    c.trainer->step = k;
    return c;
  }
};

// The checkpoint at dir is complete and consistent; returns its save number.
int64_t check_consistent(const fs::path& dir, BigState& state) {
  const int64_t k = load_trainer_state(dir).step;
  fill(state.params.values(), -1.0);
  load_weights(dir, state.params);
  for (const Parameter& param : state.params.all()) {
    const float* v = param.value.data<float>();
    for (int64_t i = 0; i < param.value.numel(); ++i)
      if (v[i] != static_cast<float>(k)) {
        ADD_FAILURE() << param.name << "[" << i << "] = " << v[i] << " in checkpoint " << k;
        return k;
      }
  }
  EXPECT_EQ(load_checkpoint_config(dir), state.config);
  SafetensorsFile optimizer = SafetensorsFile::open((dir / kOptimizerStateFile).string());
  EXPECT_EQ(optimizer.metadata().at("steps"), std::to_string(k));
  Tensor m = optimizer.get("exp_avg.x");
  EXPECT_EQ(m.data<float>()[0], static_cast<float>(k));
  EXPECT_EQ(m.data<float>()[m.numel() - 1], static_cast<float>(k));
  return k;
}

TEST(CheckpointCrashSafety, KillNineAtRandomMomentsLeavesTheLastGoodCheckpoint) {
  ScratchDir scratch("kill");
  const fs::path dir = scratch / "ckpt";
  BigState state;
  save_checkpoint(dir, state.params, state.config, state.set_to(0));

  std::mt19937 random(12345);
  int64_t last = 0;
  int interrupted = 0;  // rounds whose kill left a temporary or .old directory behind
  const int rounds = 30;
  for (int round = 0; round < rounds; ++round) {
    const int64_t first = last + 1;
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      // The child only writes files (no OpenMP after fork) and never returns into the test runner.
      try {
        for (int64_t k = first;; ++k) save_checkpoint(dir, state.params, state.config, state.set_to(k));
      } catch (...) {
        ::_exit(3);
      }
    }
    // Random moments within a save; every fifth round runs long enough to complete some saves, so the
    // test also sees kills after progress (a loaded machine makes fsync slow).
    const int delay_us = round % 5 == 4 ? 300000 : std::uniform_int_distribution<int>(0, 60000)(random);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the saving child stopped by itself, status " << status;

    bool leftovers = fs::exists(scratch / "ckpt.old");
    for (const auto& e : fs::directory_iterator(scratch.path()))
      leftovers |= e.path().filename().string().starts_with("ckpt.tmp-");
    interrupted += leftovers;

    const int64_t k = check_consistent(dir, state);  // loading recovers first
    EXPECT_GE(k, last) << "round " << round << " went back to an older checkpoint";
    last = k;
    for (const auto& e : fs::directory_iterator(scratch.path()))
      EXPECT_EQ(e.path().filename(), "ckpt") << "left over after recovery: " << e.path();
  }
  EXPECT_GT(last, 0) << "the child never completed a save";
  std::printf("[          ] %d saves completed; %d of %d kills interrupted a save\n", static_cast<int>(last),
              interrupted, rounds);
}

TEST(CheckpointCrashSafety, DiskFullLeavesThePreviousCheckpointIntact) {
  ScratchDir scratch("diskfull");
  const fs::path dir = scratch / "ckpt";
  BigState state;
  save_checkpoint(dir, state.params, state.config, state.set_to(7));

  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 1 << 20;  // the weights (about 2 MB) do not fit
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    save_checkpoint(dir, state.params, state.config, state.set_to(8));
  } catch (const Error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);

  EXPECT_NE(message.find(std::strerror(EFBIG)), std::string::npos) << message;
  EXPECT_EQ(check_consistent(dir, state), 7);
  for (const auto& e : fs::directory_iterator(scratch.path()))
    EXPECT_EQ(e.path().filename(), "ckpt") << "left over after the failed save: " << e.path();
}

TEST(CheckpointCrashSafety, RecoveryRestoresOldRemovesStaleAndKeepsComplete) {
  ScratchDir scratch("recover");
  const fs::path dir = scratch / "ckpt";
  BigState state;
  save_checkpoint(dir, state.params, state.config, state.set_to(1));

  // Killed between "rename <dir> to <dir>.old" and "rename the new one to <dir>".
  fs::rename(dir, scratch / "ckpt.old");
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);  // a pid that no longer runs
  fs::create_directories(scratch / ("ckpt.tmp-" + std::to_string(gone)));
  recover_checkpoint(dir);
  EXPECT_EQ(check_consistent(dir, state), 1);
  EXPECT_FALSE(fs::exists(scratch / "ckpt.old"));
  EXPECT_FALSE(fs::exists(scratch / ("ckpt.tmp-" + std::to_string(gone))));

  // Killed while removing <dir>.old after a complete save: the new checkpoint stays.
  save_checkpoint(dir, state.params, state.config, state.set_to(2));
  fs::create_directories(scratch / "ckpt.old");
  std::ofstream(scratch / "ckpt.old" / "model.safetensors") << "half deleted";
  EXPECT_EQ(check_consistent(dir, state), 2);
  EXPECT_FALSE(fs::exists(scratch / "ckpt.old"));

  // A temporary directory of a process that still runs (this one's parent) is left alone.
  const fs::path live = scratch / ("ckpt.tmp-" + std::to_string(::getppid()));
  fs::create_directories(live);
  recover_checkpoint(dir);
  EXPECT_TRUE(fs::exists(live));
}

}  // namespace
}  // namespace hone::testing
