#include "train/checkpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "backend/elementwise.h"
#include "core/error.h"
#include "core/safetensors.h"
#include "model/hf_config.h"
#include "model/hf_weights.h"
#include "model/parameter_shapes.h"
#include "tokenize/tokenizer.h"
#include "train/adafactor.h"
#include "train/adamw.h"

namespace hone {
namespace fs = std::filesystem;

namespace {

std::string shape_string(const Shape& shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

[[noreturn]] void fail_errno(const fs::path& path, const char* doing, int error) {
  fail("checkpoint: ", doing, " '", path.string(), "' failed: ", std::strerror(error));
}

// fsync of a file or directory: after it returns, the entry's contents survive a crash.
void sync_path(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(path, "opening for fsync", errno);
  int error = ::fsync(fd) != 0 ? errno : 0;
  ::close(fd);
  if (error != 0) fail_errno(path, "fsync of", error);
}

void write_file_synced(const fs::path& path, const std::string& body) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail_errno(path, "creating", errno);
  const char* data = body.data();
  size_t left = body.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = n < 0 ? errno : EIO;
      ::close(fd);
      fail_errno(path, "writing", error);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  int error = ::fsync(fd) != 0 ? errno : 0;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) fail_errno(path, "writing", error);
}

std::string read_file(const fs::path& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read ", what, " '", path.string(), "': ", std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void copy_file_synced(const fs::path& from, const fs::path& to) {
  write_file_synced(to, read_file(from, "tokenizer file"));
}

fs::path sibling(const fs::path& dir, const std::string& suffix) {
  fs::path clean = dir;
  if (!clean.has_filename()) clean = clean.parent_path();  // "ckpt/" -> "ckpt"
  return clean.parent_path() / (clean.filename().string() + suffix);
}

fs::path parent_of(const fs::path& dir) {
  fs::path parent = sibling(dir, "").parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// Writes the checkpoint's files into a fresh temporary directory, then swaps it in (see the header).
void replace_directory(const fs::path& dir, const std::function<void(const fs::path&)>& write_files) {
  recover_checkpoint(dir);
  const fs::path target = sibling(dir, "");
  const fs::path temp = sibling(dir, ".tmp-" + std::to_string(::getpid()));
  const fs::path old = sibling(dir, ".old");
  std::error_code ec;
  fs::remove_all(temp, ec);
  try {
    fs::create_directories(temp);
    write_files(temp);
    sync_path(temp);
  } catch (...) {
    fs::remove_all(temp, ec);
    throw;
  }
  const bool had_previous = fs::exists(target);
  if (had_previous && ::rename(target.c_str(), old.c_str()) != 0) {
    int error = errno;
    fs::remove_all(temp, ec);
    fail_errno(target, "moving the previous checkpoint aside:", error);
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    int error = errno;
    if (had_previous) ::rename(old.c_str(), target.c_str());
    fs::remove_all(temp, ec);
    fail_errno(target, "renaming the new checkpoint to", error);
  }
  sync_path(parent_of(dir));
  if (had_previous) fs::remove_all(old, ec);
}

struct ExpectedTensor {
  Tensor destination;
  bool seen = false;
};

// Copies every tensor of file (after mapping) into its destination, converting the dtype; validates all
// names and shapes first and reports every problem in one message.
void restore_tensors(const NamedTensors& sources, const std::string& origin, const NamedTensors& destinations,
                     const WeightMapping& mapping, const std::string& what) {
  std::map<std::string, ExpectedTensor> expected;
  for (const auto& [name, tensor] : destinations) expected[name] = ExpectedTensor{tensor};
  std::vector<std::string> unexpected, wrong_shape, wrong_dtype, duplicated;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (source, destination)
  for (const auto& [hf_name, hf_tensor] : sources) {
    std::optional<std::pair<std::string, Tensor>> mapped = mapping.from_hf(hf_name, hf_tensor);
    if (!mapped) continue;
    auto& [name, source] = *mapped;
    auto it = expected.find(name);
    if (it == expected.end()) {
      unexpected.push_back(hf_name);
      continue;
    }
    if (it->second.seen) {
      duplicated.push_back(hf_name);
      continue;
    }
    it->second.seen = true;
    if (!is_floating(source.dtype()) || source.dtype() == DType::F8_E4M3 || source.dtype() == DType::F8_E5M2) {
      wrong_dtype.push_back(hf_name + " is " + std::string(dtype_name(source.dtype())));
    } else if (source.shape() != it->second.destination.shape()) {
      wrong_shape.push_back(hf_name + " is " + shape_string(source.shape()) + ", expected " +
                            shape_string(it->second.destination.shape()));
    } else {
      copies.emplace_back(source, it->second.destination);
    }
  }
  std::vector<std::string> missing;
  for (const auto& [name, e] : expected)
    if (!e.seen) missing.push_back(name);

  std::string problems;
  auto list = [&](const char* label, std::vector<std::string> names) {
    if (names.empty()) return;
    std::sort(names.begin(), names.end());  // a stable message, whatever order the file had
    if (!problems.empty()) problems += "; ";
    problems += label;
    for (size_t i = 0; i < names.size(); ++i) problems += (i ? ", " : " ") + names[i];
  };
  list("missing:", missing);
  list("unexpected:", unexpected);
  list("wrong shape:", wrong_shape);
  list("not a BF16/F16/F32/F64 tensor:", wrong_dtype);
  list("given twice (after name mapping):", duplicated);
  if (!problems.empty())
    fail(what, " '", origin, "' does not fit the model (", problems,
         "). Check that config.json matches the weights, or start from a checkpoint of this model");
  for (const auto& [source, destination] : copies) copy(source, destination);
}

void restore_tensors(const SafetensorsFile& file, const NamedTensors& destinations, const WeightMapping& mapping,
                     const std::string& what) {
  NamedTensors sources;
  for (const std::string& name : file.names()) sources.emplace_back(name, file.get(name));
  restore_tensors(sources, file.path(), destinations, mapping, what);
}

SafetensorsFile open_weights(const fs::path& dir) {
  const fs::path file = dir / kModelWeightsFile;
  if (!fs::exists(file)) {
    if (!fs::is_directory(dir)) fail("checkpoint directory '", dir.string(), "' does not exist");
    if (fs::exists(dir / "model.safetensors.index.json"))
      fail("'", dir.string(), "' holds a sharded checkpoint (model.safetensors.index.json), which hone does not ",
           "load: save it as one file with save_pretrained(..., max_shard_size=\"1000GB\")");
    if (fs::exists(dir / "pytorch_model.bin"))
      fail("'", dir.string(), "' holds pytorch_model.bin, which hone does not load (pickle files can run ",
           "code): convert it with transformers' save_pretrained(..., safe_serialization=True) to model.safetensors");
    fail("'", dir.string(), "' has no ", kModelWeightsFile, ": give a hone checkpoint or a Hugging Face model ",
         "directory (config.json + model.safetensors)");
  }
  try {
    return SafetensorsFile::open(file.string());
  } catch (const Error& e) {
    fail("checkpoint weights are unreadable: ", e.what());
  }
}

OptimizerState named_state(std::string kind, int64_t steps, NamedTensors tensors) {
  return OptimizerState{std::move(kind), steps, std::move(tensors)};
}

template <class Optimizer>
void load_optimizer(const fs::path& dir, Optimizer& optimizer, const char* kind) {
  recover_checkpoint(dir);
  const fs::path path = dir / kOptimizerStateFile;
  if (!fs::exists(path)) fail("checkpoint '", dir.string(), "' has no ", kOptimizerStateFile, " to resume from");
  SafetensorsFile file = [&] {
    try {
      return SafetensorsFile::open(path.string());
    } catch (const Error& e) {
      fail("optimizer state is unreadable: ", e.what());
    }
  }();
  auto meta = file.metadata();
  HONE_CHECK(meta["optimizer"] == kind, "'", path.string(), "' holds ",
             meta["optimizer"].empty() ? std::string("no optimizer kind") : meta["optimizer"] + " state",
             ", but the run uses ", kind, ": resume with the same optimizer or start it fresh");
  int64_t steps = 0;
  try {
    steps = std::stoll(meta["steps"]);
  } catch (const std::exception&) {
    fail("'", path.string(), "' has no valid step count in its metadata");
  }
  restore_tensors(file, optimizer.state_tensors(), identity_mapping(), "optimizer state");
  optimizer.set_steps_taken(steps);
}

// Leftover <dir>.tmp-<pid> directories of processes that are gone.
void remove_stale_temporaries(const fs::path& dir) {
  const fs::path clean = sibling(dir, "");
  const fs::path parent = parent_of(dir);
  const std::string prefix = clean.filename().string() + ".tmp-";
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) return;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    const bool running = pid != ::getpid() && (::kill(pid, 0) == 0 || errno == EPERM);
    if (!running) fs::remove_all(entry.path(), ec);
  }
}

}  // namespace

WeightMapping identity_mapping() {
  WeightMapping m;
  m.to_hf = [](const std::string& name, const Tensor& value) { return std::make_pair(name, value); };
  m.from_hf = [](const std::string& name, const Tensor& value) {
    return std::optional<std::pair<std::string, Tensor>>(std::make_pair(name, value));
  };
  return m;
}

WeightMapping weight_mapping_for(const ModelConfig& config) {
  WeightMapping m = identity_mapping();
  const bool tied = config.tie_embeddings;
  if (config.style == ModelStyle::T5) {
    m.from_hf = [tied](const std::string& name, const Tensor& value) -> std::optional<std::pair<std::string, Tensor>> {
      // Aliases of shared.weight that transformers ties on load; block 0's cross-attention bias table is
      // in transformers' _keys_to_ignore_on_load_unexpected.
      if (name == "encoder.embed_tokens.weight" || name == "decoder.embed_tokens.weight") return std::nullopt;
      if (tied && name == "lm_head.weight") return std::nullopt;
      if (name == "decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight") return std::nullopt;
      return std::make_pair(name, value);
    };
  } else if (config.style == ModelStyle::GPT2) {
    // Names only: the Conv1D / fused c_attn layout is converted for the whole state (model/hf_weights.h).
    m.from_hf = [tied](const std::string& name, const Tensor& value) -> std::optional<std::pair<std::string, Tensor>> {
      if (tied && name == "lm_head.weight") return std::nullopt;
      // Causal-mask buffers of older transformers versions; hone builds its masks itself.
      if (name.ends_with(".attn.bias") && value.dim() == 4) return std::nullopt;
      if (name.ends_with(".attn.masked_bias")) return std::nullopt;
      // Files saved from GPT2Model (the hub's gpt2 among them) lack the "transformer." prefix.
      if (name != "lm_head.weight" && !name.starts_with("transformer.")) return std::make_pair("transformer." + name, value);
      return std::make_pair(name, value);
    };
  } else if (config.style == ModelStyle::Llama) {
    m.from_hf = [tied](const std::string& name, const Tensor& value) -> std::optional<std::pair<std::string, Tensor>> {
      if (tied && name == "lm_head.weight") return std::nullopt;
      // Non-persistent RoPE buffers that transformers < 4.31 saved; they are recomputed.
      if (name.size() > 21 && name.ends_with(".rotary_emb.inv_freq")) return std::nullopt;
      return std::make_pair(name, value);
    };
  }
  return m;
}

OptimizerState optimizer_state(const AdamW& optimizer) {
  return named_state("adamw", optimizer.steps_taken(), optimizer.state_tensors());
}

OptimizerState optimizer_state(const Adafactor& optimizer) {
  return named_state("adafactor", optimizer.steps_taken(), optimizer.state_tensors());
}

nlohmann::json to_json(const TrainerState& s) {
  return nlohmann::json{{"step", s.step},
                        {"tokens_seen", s.tokens_seen},
                        {"data_cursor", s.data_cursor},
                        {"seed", s.seed},
                        {"rng", s.rng},
                        {"schedule", s.schedule},
                        {"pretraining_flops", s.pretraining_flops},
                        {"extra", s.extra}};
}

TrainerState trainer_state_from_json(const nlohmann::json& json) {
  TrainerState s;
  try {
    s.step = json.at("step").get<int64_t>();
    s.tokens_seen = json.at("tokens_seen").get<int64_t>();
    s.data_cursor = json.value("data_cursor", nlohmann::json());
    s.seed = json.at("seed").get<uint64_t>();
    s.rng = json.value("rng", nlohmann::json());
    s.schedule = json.value("schedule", nlohmann::json());
    s.pretraining_flops = json.value("pretraining_flops", 0.0);
    s.extra = json.value("extra", nlohmann::json());
  } catch (const nlohmann::json::exception& e) {
    fail("trainer state: ", e.what(), " (step, tokens_seen and seed are required)");
  }
  return s;
}

void recover_checkpoint(const fs::path& dir) {
  const fs::path target = sibling(dir, "");
  const fs::path old = sibling(dir, ".old");
  std::error_code ec;
  if (fs::exists(old, ec)) {
    if (fs::exists(target, ec)) {
      fs::remove_all(old, ec);  // the new checkpoint was complete; only the cleanup was interrupted
    } else {
      if (::rename(old.c_str(), target.c_str()) != 0) fail_errno(old, "restoring the previous checkpoint", errno);
      sync_path(parent_of(dir));
    }
  }
  remove_stale_temporaries(dir);
}

void save_checkpoint(const fs::path& dir, const ParameterStore& params, const ModelConfig& config,
                     const CheckpointContents& contents) {
  HONE_CHECK(params.finalized(), "save_checkpoint: the parameter store is not finalized");
  const WeightMapping mapping = contents.mapping ? *contents.mapping : weight_mapping_for(config);
  NamedTensors weights;
  if (config.style == ModelStyle::GPT2 && !contents.mapping) {
    for (NamedTensor& t : to_hf_state(config, named_values(params))) weights.emplace_back(t.name, t.tensor);
  } else {
    for (const Parameter& p : params.all()) weights.push_back(mapping.to_hf(p.name, p.value));
  }
  if (!contents.tokenizer_dir.empty())
    HONE_CHECK(fs::exists(contents.tokenizer_dir / kTokenizerModelFile), "tokenizer directory '",
               contents.tokenizer_dir.string(), "' has no ", kTokenizerModelFile);

  replace_directory(dir, [&](const fs::path& temp) {
    write_safetensors((temp / kModelWeightsFile).string(), weights, {{"format", "pt"}});
    write_hf_config(config, temp / kModelConfigFile);
    if (contents.optimizer) {
      write_safetensors((temp / kOptimizerStateFile).string(), contents.optimizer->tensors,
                        {{"optimizer", contents.optimizer->kind}, {"steps", std::to_string(contents.optimizer->steps)}});
    }
    if (contents.trainer) write_file_synced(temp / kTrainerStateFile, to_json(*contents.trainer).dump(2) + "\n");
    if (!contents.tokenizer_dir.empty()) {
      copy_file_synced(contents.tokenizer_dir / kTokenizerModelFile, temp / kTokenizerModelFile);
      if (fs::exists(contents.tokenizer_dir / kTokenizerConfigFile))
        copy_file_synced(contents.tokenizer_dir / kTokenizerConfigFile, temp / kTokenizerConfigFile);
      // transformers' T5Tokenizer looks for spiece.model.
      if (config.style == ModelStyle::T5)
        copy_file_synced(contents.tokenizer_dir / kTokenizerModelFile, temp / "spiece.model");
    }
  });
}

ModelConfig load_checkpoint_config(const fs::path& dir) {
  recover_checkpoint(dir);
  return read_hf_config(dir / kModelConfigFile);
}

void load_weights(const fs::path& dir, ParameterStore& params, const std::optional<WeightMapping>& mapping) {
  HONE_CHECK(params.finalized(), "load_weights: the parameter store is not finalized");
  recover_checkpoint(dir);
  SafetensorsFile file = open_weights(dir);
  const ModelConfig config = load_checkpoint_config(dir);
  WeightMapping m = mapping ? *mapping : weight_mapping_for(config);
  NamedTensors destinations;
  if (config.style == ModelStyle::GPT2 && !mapping) {
    // Validate and convert dtypes into tensors of the Hugging Face layout, then split c_attn and
    // transpose the Conv1D weights into the model's own layout.
    std::vector<NamedTensor> hf;
    const DType dtype = params.all().empty() ? DType::F32 : params.all().front().value.dtype();
    for (const ParameterShape& p : parameter_shapes(config)) {
      Tensor t = Tensor::empty(Shape(p.shape.begin(), p.shape.end()), dtype);
      hf.push_back({p.name, t});
      destinations.emplace_back(p.name, t);
    }
    restore_tensors(file, destinations, m, "checkpoint weights");
    std::map<std::string, Tensor> internal;
    for (NamedTensor& t : from_hf_state(config, hf)) internal[t.name] = t.tensor;
    for (const Parameter& p : params.all()) {
      auto it = internal.find(p.name);
      HONE_CHECK(it != internal.end() && it->second.shape() == p.value.shape(), "checkpoint '", dir.string(),
                 "': the GPT-2 weights do not fit the model's parameter ", p.name);
      copy(it->second, p.value);
    }
    return;
  }
  for (const Parameter& p : params.all()) destinations.emplace_back(p.name, p.value);
  restore_tensors(file, destinations, m, "checkpoint weights");
}

void load_optimizer_state(const fs::path& dir, AdamW& optimizer) { load_optimizer(dir, optimizer, "adamw"); }
void load_optimizer_state(const fs::path& dir, Adafactor& optimizer) { load_optimizer(dir, optimizer, "adafactor"); }

TrainerState load_trainer_state(const fs::path& dir) {
  recover_checkpoint(dir);
  const fs::path path = dir / kTrainerStateFile;
  const std::string text = read_file(path, "trainer state");
  try {
    return trainer_state_from_json(nlohmann::json::parse(text));
  } catch (const nlohmann::json::parse_error& e) {
    fail("'", path.string(), "' is not valid JSON (", e.what(), ")");
  } catch (const Error& e) {
    fail("'", path.string(), "': ", e.what());
  }
}

void export_hf_directory(const fs::path& checkpoint_dir, const fs::path& out_dir) {
  const ModelConfig config = load_checkpoint_config(checkpoint_dir);
  SafetensorsFile file = open_weights(checkpoint_dir);
  NamedTensors weights;
  for (const std::string& name : file.names()) weights.emplace_back(name, file.get(name));
  replace_directory(out_dir, [&](const fs::path& temp) {
    write_safetensors((temp / kModelWeightsFile).string(), weights, {{"format", "pt"}});
    write_hf_config(config, temp / kModelConfigFile);
    // hone's tokenizer.json is not transformers' tokenizer.json format (AutoTokenizer would misread
    // it), so only the SentencePiece model goes out, under the name the architecture's tokenizer loads.
    const fs::path sentencepiece = checkpoint_dir / kTokenizerModelFile;
    if (fs::exists(sentencepiece)) {
      copy_file_synced(sentencepiece, temp / kTokenizerModelFile);
      if (config.style == ModelStyle::T5) copy_file_synced(sentencepiece, temp / "spiece.model");
    }
  });
}

LanguageModel load_language_model(const std::filesystem::path& dir) {
  LanguageModel model(load_checkpoint_config(dir));
  load_weights(dir, model.params());
  return model;
}

}  // namespace hone
