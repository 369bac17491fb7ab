#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "backend/elementwise.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/log.h"
#include "core/threads.h"
#include "model/shape_stats.h"
#include "scaling/run_registry.h"
#include "tokenize/tokenizer.h"
#include "train/adafactor.h"
#include "train/adamw.h"
#include "train/batch_source_factory.h"
#include "train/checkpoint.h"

namespace hone {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRecipeFile = "recipe.toml";
constexpr const char* kMetricsFile = "metrics.jsonl";

nlohmann::ordered_json toml_to_json(const toml::table& table) {
  std::ostringstream out;
  out << toml::json_formatter{table};
  return nlohmann::ordered_json::parse(out.str());
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    out.flush();
    HONE_CHECK(out.good(), "cannot write '", temporary.string(), "': check the run directory is writable");
  }
  fs::rename(temporary, path);
}

// The tokenizer a checkpoint carries: data.tokenizer, else the one the train dataset was made with.
fs::path tokenizer_for(const PretrainRecipe& recipe) {
  if (!recipe.data.tokenizer.empty()) {
    HONE_CHECK(fs::exists(fs::path(recipe.data.tokenizer) / kTokenizerModelFile), "[data] tokenizer '",
               recipe.data.tokenizer, "' has no ", kTokenizerModelFile, ": give a directory from `hone tokenizer train`");
    return recipe.data.tokenizer;
  }
  std::ifstream in(fs::path(recipe.data.train) / "dataset.json");
  if (!in) return {};
  try {
    const nlohmann::json manifest = nlohmann::json::parse(in);
    const fs::path dir = manifest.value("tokenizer", "");
    if (!dir.empty() && fs::exists(dir / kTokenizerModelFile)) return dir;
  } catch (const nlohmann::json::exception&) {
  }
  return {};
}

// The batch shape a recipe's objective trains on, for FLOP counts and budgets.
// A decoder-only model trained on prefix-LM rows (the denoising objectives; flan with prefix_attention)
// is saved with prefix_lm = true, so that generation and evaluation read prompts bidirectionally as it
// was trained to. The weights are unchanged.
std::unique_ptr<LanguageModel> as_prefix_lm_if_trained_so(std::unique_ptr<LanguageModel> model, const PretrainRecipe& r) {
  const ModelConfig& config = model->config();
  const std::string& objective = r.objective.name;
  const bool prefix_rows = objective == "t5" || objective == "ul2" || objective == "ul2r" ||
                           (objective == "flan" && r.flan.prefix_attention);
  if (config.is_encoder_decoder() || config.prefix_lm || !prefix_rows) return model;
  ModelConfig prefix_config = config;
  prefix_config.prefix_lm = true;
  auto converted = std::make_unique<LanguageModel>(prefix_config);
  copy(model->params().values(), converted->params().values());
  return converted;
}

BatchShape nominal_shape(const PretrainRecipe& r, const ModelConfig& config) {
  // Decoder-only rows are sequence_length long whatever the objective (denoisers pack into them).
  if (!config.is_encoder_decoder()) return {r.data.batch_size, 0, r.data.sequence_length};
  return {r.data.batch_size, r.objective.inputs_length, r.objective.targets_length};
}

std::string shape_key(const TrainingBatch& b) {
  std::ostringstream key;
  auto put = [&key](const Tensor& t) {
    for (int64_t d : t.shape()) key << d << 'x';
    key << ';';
  };
  if (b.decoder_only) {
    put(b.decoder_only->tokens);
  } else {
    put(b.encoder_decoder->encoder_input_tokens);
    put(b.encoder_decoder->decoder_target_tokens);
  }
  return key.str();
}

std::unique_ptr<scaling::RunRegistry> open_registry(const std::string& setting) {
  if (setting == "none") return nullptr;
  if (!setting.empty()) return std::make_unique<scaling::RunRegistry>(setting);
  try {
    return std::make_unique<scaling::RunRegistry>(scaling::default_registry_path());
  } catch (const Error& e) {
    log_warn("this run will not be registered: ", e.what(), " (set train.registry or train.registry = \"none\")");
    return nullptr;
  }
}

}  // namespace

Trainer::Trainer(PretrainRecipe recipe, TrainerOptions options)
    : recipe_(std::move(recipe)), options_(std::move(options)), arenas_(std::make_unique<ArenaSet>()) {
  if (recipe_.train.threads > 0) set_num_threads(static_cast<int>(recipe_.train.threads));
  run_dir_ = recipe_.run_dir();
  std::error_code error;
  fs::create_directories(run_dir_, error);
  HONE_CHECK(!error, "cannot create run directory '", run_dir_.string(), "': ", error.message());
  tokenizer_dir_ = tokenizer_for(recipe_);

  const fs::path checkpoint = checkpoint_dir();
  recover_checkpoint(checkpoint);
  resumed_ = options_.resume && fs::exists(checkpoint / kModelWeightsFile);
  std::optional<TrainerState> saved_state;
  if (resumed_) {
    // The saved recipe decides what may differ; a recipe without [model] takes the saved model.
    const fs::path saved_path = run_dir_ / kRecipeFile;
    HONE_CHECK(fs::exists(saved_path), "run directory '", run_dir_.string(), "' has a checkpoint but no ", kRecipeFile,
               ": pass --no-resume to start over (the checkpoint is then replaced)");
    toml::table saved;
    try {
      saved = toml::parse_file(saved_path.string());
    } catch (const toml::parse_error& e) {
      fail("'", saved_path.string(), "' is not valid TOML: ", e.description());
    }
    if (!recipe_.model_given && saved.contains("model")) recipe_.resolved.insert_or_assign("model", *saved["model"].as_table());
    const std::vector<std::string> differences = recipe_differences(saved, recipe_.resolved);
    if (!differences.empty()) {
      fail_usage("cannot resume '", run_dir_.string(), "': the recipe differs from the saved one in ", join(differences),
                 " (only the budget and logging/checkpoint cadence may change; use another run_dir, or --no-resume to "
                 "start over)");
    }
    model_ = std::make_unique<LanguageModel>(load_language_model(checkpoint));
    saved_state = load_trainer_state(checkpoint);
  } else if (!options_.init.empty()) {
    const ModelConfig init_config = load_checkpoint_config(options_.init);
    if (recipe_.model_given) {
      // A preset names every field; explicit fields are checked one by one.
      std::vector<std::string> only = recipe_.model_keys_given;
      const std::vector<std::string> differences =
          recipe_.model_preset.empty() ? model_differences(*recipe_.model, init_config, only)
                                       : model_differences(*recipe_.model, init_config);
      if (!differences.empty()) {
        fail_usage(recipe_.origin, ": [model] does not match the --init model in ", join(differences),
                   ": remove [model] (the model comes from --init) or make it match ", options_.init.string());
      }
    }
    model_ = std::make_unique<LanguageModel>(load_language_model(options_.init));
    model_ = as_prefix_lm_if_trained_so(std::move(model_), recipe_);
    if (fs::exists(options_.init / kTrainerStateFile)) {
      init_pretraining_flops_ = load_trainer_state(options_.init).pretraining_flops;
    }
    toml::table model = model_fields(model_->config());
    model.insert("preset", recipe_.model_preset);
    recipe_.resolved.insert_or_assign("model", std::move(model));
  } else {
    if (!recipe_.model_given) {
      fail_usage(recipe_.origin, ": no model: add a [model] section (preset = \"NAME\", see `hone shapes`) or pass "
                 "--init DIR");
    }
    model_ = std::make_unique<LanguageModel>(*recipe_.model);
    model_->initialize(recipe_.train.seed);
    model_ = as_prefix_lm_if_trained_so(std::move(model_), recipe_);
  }
  if (recipe_.train.pretraining_flops > 0) init_pretraining_flops_ = recipe_.train.pretraining_flops;

  const ModelConfig& config = model_->config();
  train_source_ = make_batch_source(recipe_, config, BatchSourceRole::Train);
  if (!recipe_.data.eval.empty()) {
    eval_source_ = make_batch_source(recipe_, config, BatchSourceRole::Eval);
    eval_start_ = eval_source_->save_cursor();
  }
  build_optimizer();

  if (saved_state) {
    // Trainer state extras written by save_checkpoint().
    const nlohmann::json& extra = saved_state->extra;
    init_pretraining_flops_ = extra.value("init_pretraining_flops", init_pretraining_flops_);
    if (recipe_.train.pretraining_flops > 0) init_pretraining_flops_ = recipe_.train.pretraining_flops;
  }
  resolve_budget();

  if (saved_state) {
    if (adamw_) load_optimizer_state(checkpoint, *adamw_);
    else load_optimizer_state(checkpoint, *adafactor_);
    step_ = saved_state->step;
    tokens_ = saved_state->tokens_seen;
    train_source_->restore_cursor(saved_state->data_cursor);
    const nlohmann::json& extra = saved_state->extra;
    flops_ = extra.value("flops", 0.0);
    skipped_ = extra.value("skipped_steps", int64_t{0});
    if (extra.value("registry", std::string()) == recipe_.train.registry) registry_run_ = extra.value("registry_run", int64_t{0});
    resumed_from_ = step_;
  }
  truncate_metrics();
  write_text_atomically(run_dir_ / kRecipeFile, recipe_.to_toml());
}

Trainer::~Trainer() = default;

void Trainer::build_optimizer() {
  ParameterStore& params = model_->params();
  // Clipping is done here (so a non-finite norm can skip the step), never inside the optimizer.
  if (recipe_.optimizer.name == "adamw") {
    AdamWConfig c = recipe_.optimizer.adamw;
    c.max_grad_norm = 0.0;
    adamw_ = std::make_unique<AdamW>(params, c);
  } else {
    adafactor_ = std::make_unique<Adafactor>(params, recipe_.optimizer.adafactor);
  }
}

void Trainer::resolve_budget() {
  const RecipeTrain& t = recipe_.train;
  const BatchShape shape = nominal_shape(recipe_, model_->config());
  const int64_t accumulation = recipe_.data.grad_accumulation;
  switch (t.budget) {
    case BudgetKind::Steps:
      total_steps_ = t.max_steps;
      break;
    case BudgetKind::Tokens: {
      const int64_t per_step = shape.batch * accumulation * (shape.source_length + shape.target_length);
      total_steps_ = (t.max_tokens + per_step - 1) / per_step;
      break;
    }
    case BudgetKind::FlopsFraction: {
      HONE_CHECK(init_pretraining_flops_ > 0, recipe_.origin, ": train.flops_fraction needs the pretraining FLOPs of the "
                 "model: --init a hone checkpoint (its trainer state has them) or set train.pretraining_flops");
      const double per_step =
          static_cast<double>(estimate_flops(model_->config(), shape).training_per_step) * static_cast<double>(accumulation);
      total_steps_ = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(t.flops_fraction * init_pretraining_flops_ / per_step)));
      break;
    }
  }
  schedule_ = recipe_.schedule;
  if (schedule_.total_steps == 0) schedule_.total_steps = total_steps_;
}

void Trainer::truncate_metrics() {
  const fs::path path = run_dir_ / kMetricsFile;
  std::string kept;
  if (resumed_from_ > 0 && fs::exists(path)) {
    // Keep the steps the checkpoint covers; a line cut short by a kill fails to parse and goes too.
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      try {
        const nlohmann::json j = nlohmann::json::parse(line);
        if (j.at("step").get<int64_t>() <= resumed_from_) kept += line + "\n";
      } catch (const nlohmann::json::exception&) {
      }
    }
  }
  write_text_atomically(path, kept);
}

void Trainer::write_metrics(const StepMetrics& m) {
  nlohmann::ordered_json j{{"step", m.step},
                           {"loss", m.loss},
                           {"lr", m.lr},
                           {"grad_norm", m.grad_norm},
                           {"tokens", m.tokens},
                           {"tokens_per_second", m.tokens_per_second},
                           {"gflops", m.gflops_per_second},
                           {"skipped", m.skipped}};
  if (m.eval_loss) {
    j["eval_loss"] = *m.eval_loss;
    j["eval_perplexity"] = std::exp(*m.eval_loss);
  }
  // Non-finite numbers are not JSON: write them as null (a skipped step's loss may be NaN).
  for (auto& [key, value] : j.items())
    if (value.is_number_float() && !std::isfinite(value.get<double>())) value = nullptr;
  std::ofstream out(run_dir_ / kMetricsFile, std::ios::app);
  out << j.dump() << "\n";
  out.flush();
  HONE_CHECK(out.good(), "cannot append to ", (run_dir_ / kMetricsFile).string());
}

Arena& Trainer::arena_for(const TrainingBatch& batch) { return arenas_->for_shape(shape_key(batch)); }

double Trainer::step_flops(const TrainingBatch& b) {
  BatchShape shape;
  if (b.decoder_only) {
    shape = {b.decoder_only->tokens.size(0), 0, b.decoder_only->tokens.size(1)};
  } else {
    shape = {b.encoder_decoder->encoder_input_tokens.size(0), b.encoder_decoder->encoder_input_tokens.size(1),
             b.encoder_decoder->decoder_target_tokens.size(1)};
  }
  return static_cast<double>(estimate_flops(model_->config(), shape).training_per_step);
}

double Trainer::forward_backward(const TrainingBatch& batch, Arena& arena, double* weight) {
  if (batch.decoder_only) {
    const LossResult r = model_->decoder_only().forward_backward(arena, *batch.decoder_only);
    *weight = static_cast<double>(r.tokens);
    return r.loss;
  }
  const EncoderDecoderLoss r = model_->encoder_decoder().forward_backward(arena, *batch.encoder_decoder);
  *weight = r.weight;
  return r.loss;
}

StepMetrics Trainer::step() {
  const auto start = std::chrono::steady_clock::now();
  ParameterStore& params = model_->params();
  params.zero_grads();
  const Tensor grads = params.grads();
  // Each micro-batch's loss is a mean over its own loss tokens n_i; the step wants sum_i n_i g_i / N.
  // The buffer holds sum_{j<=i} n_j g_j / n_i: rescale by n_prev / n_i before adding g_i, and by
  // n_last / N at the end (no rescaling at all for a single micro-batch).
  double loss_sum = 0.0, total_weight = 0.0, previous = 0.0, step_flops_count = 0.0;
  int64_t step_tokens = 0;
  for (int64_t i = 0; i < recipe_.data.grad_accumulation; ++i) {
    TrainingBatch batch = train_source_->next(recipe_.data.batch_size);
    step_tokens += batch.tokens;
    step_flops_count += step_flops(batch);
    const double n = static_cast<double>(batch.loss_tokens);
    if (n <= 0) continue;
    if (previous > 0 && previous != n) scale(grads, previous / n);
    Arena& arena = arena_for(batch);
    double weight = 0.0;
    const double loss = forward_backward(batch, arena, &weight);
    arena.reset();
    loss_sum += loss * n;
    total_weight += n;
    previous = n;
  }
  if (total_weight > 0 && previous != total_weight) scale(grads, previous / total_weight);
  const double loss = total_weight > 0 ? loss_sum / total_weight : 0.0;
  if (options_.after_backward) options_.after_backward(params, step_);

  StepMetrics m;
  m.grad_norm = std::sqrt(sum_squares(grads));
  m.loss = loss;
  m.lr = schedule_.at(step_);
  m.skipped = !std::isfinite(loss) || !std::isfinite(m.grad_norm);
  if (m.skipped) {
    ++skipped_;
    log_warn("step ", step_ + 1, ": loss ", loss, ", gradient norm ", m.grad_norm,
             " is not finite; the update is skipped (", skipped_, " so far)");
  } else {
    const double max_norm = recipe_.optimizer.max_grad_norm;
    if (max_norm > 0 && m.grad_norm > max_norm) scale(grads, max_norm / (m.grad_norm + 1e-6));
    if (adamw_) {
      adamw_->step(m.lr);
    } else {
      const AdafactorConfig& c = recipe_.optimizer.adafactor;
      if (c.semantics == AdafactorVariant::hugging_face && c.relative_step) {
        adafactor_->step();
      } else {
        adafactor_->step(m.lr);
      }
      m.lr = adafactor_->relative_step_size();
    }
  }
  ++step_;
  tokens_ += step_tokens;
  flops_ += step_flops_count;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  elapsed_ += seconds;
  m.step = step_;
  m.tokens = tokens_;
  m.flops = flops_;
  m.tokens_per_second = static_cast<double>(step_tokens) / std::max(seconds, 1e-9);
  m.gflops_per_second = step_flops_count / std::max(seconds, 1e-9) / 1e9;
  m.elapsed_seconds = elapsed_;
  return m;
}

double Trainer::evaluate() {
  HONE_CHECK(eval_source_ != nullptr, "no held-out dataset: set [data] eval");
  eval_source_->restore_cursor(eval_start_);
  double loss_sum = 0.0, total = 0.0;
  for (int64_t i = 0; i < recipe_.train.eval_batches; ++i) {
    TrainingBatch batch = eval_source_->next(recipe_.data.batch_size);
    Arena& arena = arena_for(batch);
    double weight = 0.0;
    // forward_backward also fills gradients; they are cleared below and by the next step.
    const double loss = forward_backward(batch, arena, &weight);
    arena.reset();
    loss_sum += loss * weight;
    total += weight;
  }
  model_->params().zero_grads();
  return total > 0 ? loss_sum / total : 0.0;
}

void Trainer::save_checkpoint() {
  TrainerState state;
  state.step = step_;
  state.tokens_seen = tokens_;
  state.data_cursor = train_source_->save_cursor();
  state.seed = recipe_.train.seed;
  state.rng = nlohmann::json::object();  // no random draws in the step (no dropout is applied)
  state.schedule = to_json(schedule_);
  state.pretraining_flops = flops_ + init_pretraining_flops_;
  state.extra = {{"kind", options_.kind},
                 {"flops", flops_},
                 {"init_pretraining_flops", init_pretraining_flops_},
                 {"skipped_steps", skipped_},
                 {"registry", recipe_.train.registry},
                 {"registry_run", registry_run_}};
  CheckpointContents contents;
  contents.optimizer = adamw_ ? optimizer_state(*adamw_) : optimizer_state(*adafactor_);
  contents.trainer = state;
  contents.tokenizer_dir = tokenizer_dir_;
  ::hone::save_checkpoint(checkpoint_dir(), model_->params(), model_->config(), contents);
}

TrainResult Trainer::run() {
  TrainResult result;
  result.resumed = resumed_from_ > 0;
  result.resumed_from_step = resumed_from_;
  result.total_steps = total_steps_;
  std::unique_ptr<scaling::RunRegistry> registry = open_registry(recipe_.train.registry);
  const ParameterCounts counts = count_parameters(model_->config());
  if (registry && registry_run_ == 0) {
    scaling::RunRecord record;
    record.kind = options_.kind;
    record.name = recipe_.train.name;
    record.config = toml_to_json(recipe_.resolved);
    record.params = counts.total;
    record.params_non_embedding = counts.non_embedding;
    registry_run_ = registry->begin_run(record);
  }
  std::vector<scaling::LossCurvePoint> curve;
  auto flush_curve = [&] {
    if (registry && !curve.empty()) registry->add_curve(registry_run_, curve);
    curve.clear();
  };
  auto final_loss = [&] {
    double sum = 0.0;
    for (double l : recent_losses_) sum += l;
    return recent_losses_.empty() ? 0.0 : sum / static_cast<double>(recent_losses_.size());
  };
  try {
    std::optional<double> last_eval;
    int64_t last_eval_step = -1;
    const int64_t stop = options_.stop_after > 0 ? std::min(options_.stop_after, total_steps_) : total_steps_;
    const RecipeTrain& t = recipe_.train;
    while (step_ < stop) {
      StepMetrics m = step();
      if (eval_source_ && ((t.eval_every > 0 && step_ % t.eval_every == 0) || step_ == total_steps_)) {
        m.eval_loss = evaluate();
        last_eval = m.eval_loss;
        last_eval_step = step_;
      }
      if (!m.skipped) {
        recent_losses_.push_back(m.loss);
        if (static_cast<int64_t>(recent_losses_.size()) > t.log_every) recent_losses_.erase(recent_losses_.begin());
      }
      write_metrics(m);
      result.history.push_back(m);
      if (registry && (step_ % t.log_every == 0 || m.eval_loss || step_ == stop) && std::isfinite(m.loss)) {
        curve.push_back({step_, static_cast<double>(tokens_), flops_, m.loss, m.eval_loss});
      }
      if (options_.on_step) options_.on_step(m, total_steps_);
      if (t.checkpoint_every > 0 && step_ % t.checkpoint_every == 0 && step_ < stop) {
        save_checkpoint();
        flush_curve();
      }
    }
    if (eval_source_ && last_eval_step != step_ && step_ == total_steps_) last_eval = evaluate();
    save_checkpoint();
    flush_curve();
    result.steps = step_;
    result.tokens = tokens_;
    result.flops = flops_;
    result.pretraining_flops = flops_ + init_pretraining_flops_;
    result.final_loss = final_loss();
    result.final_eval_loss = last_eval;
    result.skipped_steps = skipped_;
    if (registry) {
      const std::optional<double> reported = last_eval ? last_eval : std::optional<double>(result.final_loss);
      registry->finish_run(registry_run_, static_cast<double>(tokens_), flops_, reported,
                           step_ >= total_steps_ ? "finished" : "running");
    }
  } catch (...) {
    if (registry) {
      try {
        flush_curve();
        registry->finish_run(registry_run_, static_cast<double>(tokens_), flops_, std::nullopt, "failed");
      } catch (...) {
      }
    }
    throw;
  }
  return result;
}

}  // namespace hone
