#include "support/torch_reference.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "backend/elementwise.h"
#include "core/safetensors.h"

namespace hone::testing {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's python3 with python3-torch

// One python3 process per test binary, started on first use and ended when the binary exits.
class ReferenceProcess {
 public:
  static ReferenceProcess& instance() {
    static ReferenceProcess process;
    return process;
  }

  nlohmann::json call(const nlohmann::json& request) {
    std::string line = request.dump() + "\n";
    HONE_CHECK(std::fwrite(line.data(), 1, line.size(), to_child_) == line.size() && std::fflush(to_child_) == 0,
               "PyTorch reference process is gone (", kPython, " ", server_, ")");
    std::string answer;
    int c;
    while ((c = std::fgetc(from_child_)) != EOF && c != '\n') answer.push_back(static_cast<char>(c));
    HONE_CHECK(!answer.empty(), "PyTorch reference process exited: is python3-torch installed? Run scripts/setup.sh");
    return nlohmann::json::parse(answer);
  }

  const std::filesystem::path& scratch() const { return scratch_; }

 private:
  ReferenceProcess() {
    server_ = std::string(HONE_REFERENCE_DIR) + "/server.py";
    HONE_CHECK(access(kPython, X_OK) == 0, kPython, " not found: run scripts/setup.sh (installs python3-torch)");
    char tmpl[] = "/tmp/hone-reference-XXXXXX";
    HONE_CHECK(mkdtemp(tmpl) != nullptr, "cannot create a scratch directory in /tmp");
    scratch_ = tmpl;
    int in_pipe[2], out_pipe[2];
    HONE_CHECK(pipe(in_pipe) == 0 && pipe(out_pipe) == 0, "pipe() failed");
    pid_ = fork();
    HONE_CHECK(pid_ >= 0, "fork() failed");
    if (pid_ == 0) {
      dup2(in_pipe[0], STDIN_FILENO);
      dup2(out_pipe[1], STDOUT_FILENO);
      close(in_pipe[1]);
      close(out_pipe[0]);
      execl(kPython, kPython, "-u", server_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    to_child_ = fdopen(in_pipe[1], "w");
    from_child_ = fdopen(out_pipe[0], "r");
    signal(SIGPIPE, SIG_IGN);  // a dead child shows as a failed write, not a killed test
  }

  ~ReferenceProcess() {
    if (to_child_) std::fclose(to_child_);  // EOF on stdin ends the server loop
    if (from_child_) std::fclose(from_child_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }

  std::string server_;
  std::filesystem::path scratch_;
  pid_t pid_ = -1;
  FILE* to_child_ = nullptr;
  FILE* from_child_ = nullptr;
};

}  // namespace

TensorMap torch_reference(const std::string& module, const std::string& function, const TensorMap& inputs,
                          const nlohmann::json& config) {
  static std::mutex mutex;
  static std::atomic<int> counter{0};
  std::lock_guard<std::mutex> lock(mutex);
  ReferenceProcess& process = ReferenceProcess::instance();
  int id = counter++;
  std::string in_path = (process.scratch() / ("in" + std::to_string(id) + ".safetensors")).string();
  std::string out_path = (process.scratch() / ("out" + std::to_string(id) + ".safetensors")).string();
  std::vector<std::pair<std::string, Tensor>> list(inputs.begin(), inputs.end());
  write_safetensors(in_path, list, {{"config", config.dump()}});
  nlohmann::json answer =
      process.call({{"module", module}, {"function", function}, {"input", in_path}, {"output", out_path}});
  HONE_CHECK(answer.value("ok", false), "PyTorch reference ", module, ".", function, " failed: ",
             answer.value("error", std::string("no answer")));
  TensorMap outputs;
  {
    SafetensorsFile file = SafetensorsFile::open(out_path);
    for (const std::string& name : file.names()) outputs[name] = clone(file.get(name));
  }
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
  return outputs;
}

}  // namespace hone::testing
