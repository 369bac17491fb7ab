#include "train/adafactor.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "backend/elementwise.h"

namespace hone {
namespace {

// Configuration errors are the user's (a recipe), so they are usage errors that say what to change.
void check_config(const AdafactorConfig& c) {
  auto require = [](bool ok, const auto&... parts) {
    if (!ok) fail_usage("Adafactor: ", parts...);
  };
  require(c.eps2 >= 0 && (!c.eps1 || *c.eps1 >= 0), "eps1 and eps2 must be >= 0");
  require(c.decay_rate <= 0, "decay_rate (beta2_decay) must be <= 0, got ", c.decay_rate);
  require(c.weight_decay >= 0, "weight_decay must be >= 0, got ", c.weight_decay);
  require(!c.lr || *c.lr >= 0, "lr must be >= 0, got ", c.lr.value_or(0));
  require(!c.beta1 || (*c.beta1 >= 0 && *c.beta1 < 1), "beta1 must be in [0, 1), got ", c.beta1.value_or(0));
  if (c.semantics == AdafactorVariant::hugging_face) {
    require(c.clip_threshold > 0, "clip_threshold must be > 0, got ", c.clip_threshold);
    require(!(c.lr && c.relative_step),
            "cannot combine a manual lr with relative_step=true (as transformers' Adafactor); unset lr or set "
            "relative_step=false");
    require(!c.warmup_init || c.relative_step, "warmup_init=true requires relative_step=true");
    require(c.lr || c.relative_step, "relative_step=false needs an lr");
  } else {
    require(c.clip_threshold >= 1, "the clipping threshold d must be >= 1 in torch mode, got ", c.clip_threshold);
    require(!c.beta1, "torch.optim.Adafactor has no first moment; unset beta1 or use the hugging_face semantics");
    require(c.scale_parameter && c.relative_step && !c.warmup_init,
            "scale_parameter, relative_step and warmup_init are hugging_face options; torch mode always scales "
            "by the parameter RMS and uses the relative step min(lr, 1/sqrt(t))");
  }
}

// Each state segment starts on a 64-byte boundary, like the parameters themselves.
int64_t padded(int64_t numel, DType dtype) {
  const int64_t per_line = static_cast<int64_t>(kAlignment / dtype_size(dtype));
  return (numel + per_line - 1) / per_line * per_line;
}

}  // namespace

Adafactor::Adafactor(ParameterStore& params, AdafactorConfig config) : params_(params), config_(config) {
  HONE_CHECK(params.finalized(), "Adafactor: the parameter store must be finalized first");
  check_config(config_);
  const DType dtype = params.dtype();
  if (config_.eps1) {
    eps1_ = *config_.eps1;
  } else if (config_.semantics == AdafactorVariant::hugging_face) {
    eps1_ = 1e-30;
  } else {
    eps1_ = dtype == DType::F64 ? std::numeric_limits<double>::epsilon() : std::numeric_limits<float>::epsilon();
  }

  // Lay the statistics out parameter by parameter in one buffer: row then column for a factored
  // parameter, a full variance otherwise.
  struct Segment {
    Shape shape;
    int64_t offset;
  };
  std::vector<std::vector<Segment>> segments;
  int64_t total = 0;
  auto place = [&](std::vector<Segment>& into, const Shape& shape) {
    into.push_back({shape, total});
    total += padded(shape_numel(shape), dtype);
    second_moment_numel_ += shape_numel(shape);
  };
  for (const Parameter& p : params.all()) {
    std::vector<Segment>& s = segments.emplace_back();
    if (p.shape.size() >= 2) {
      Shape row(p.shape.begin(), p.shape.end() - 1);
      Shape col(p.shape.begin(), p.shape.end() - 2);
      col.push_back(p.shape.back());
      place(s, row);
      place(s, col);
    } else {
      place(s, p.shape);
    }
  }
  second_moments_ = Tensor::zeros({total}, dtype, params.device());
  const size_t itemsize = dtype_size(dtype);
  for (const std::vector<Segment>& s : segments) {
    auto view = [&](const Segment& seg) {
      return Tensor::over(second_moments_.storage(), static_cast<size_t>(seg.offset) * itemsize, seg.shape, dtype);
    };
    AdafactorMoments& m = moments_.emplace_back();
    if (s.size() == 2) {
      m.row = view(s[0]);
      m.col = view(s[1]);
    } else {
      m.variance = view(s[0]);
    }
  }
  if (config_.beta1) first_moments_ = Tensor::zeros(params.values().shape(), dtype, params.device());
}

double Adafactor::step() { return step_with(std::nullopt); }

double Adafactor::step(double lr) {
  HONE_CHECK(config_.semantics == AdafactorVariant::torch || !config_.relative_step,
             "Adafactor: an external lr needs relative_step=false in hugging_face mode (the relative step "
             "replaces it); call step() instead");
  HONE_CHECK(lr >= 0, "Adafactor: lr must be >= 0, got ", lr);
  return step_with(lr);
}

double Adafactor::step_with(std::optional<double> external_lr) {
  const double grad_norm = std::sqrt(sum_squares(params_.grads()));
  ++step_;
  const double t = static_cast<double>(step_);
  const bool torch = config_.semantics == AdafactorVariant::torch;
  const std::optional<double> lr = external_lr ? external_lr : config_.lr;

  double rho;
  if (torch) {
    rho = std::min(lr.value_or(1e-2), 1.0 / std::sqrt(t));
  } else if (config_.relative_step) {
    rho = std::min(config_.warmup_init ? 1e-6 * t : 1e-2, 1.0 / std::sqrt(t));
  } else {
    rho = *lr;
  }
  last_relative_step_ = rho;

  const AdafactorRule rule{config_.semantics, eps1_, 1.0 - std::pow(t, config_.decay_rate)};
  size_t index = 0;
  for (const Parameter& p : params_.all()) {
    const AdafactorMoments& m = moments_[index++];
    const int64_t n = p.value.numel();
    if (n == 0) continue;
    const double rms = std::sqrt(sum_squares(p.value) / static_cast<double>(n));
    const double scale = torch || config_.scale_parameter ? std::max(config_.eps2, rms) : 1.0;
    const double step_size = scale * rho;

    adafactor_accumulate(p.grad, m, rule);
    const double update_rms = std::sqrt(adafactor_update_sum_squares(p.grad, m, rule) / static_cast<double>(n));
    AdafactorApply apply;
    apply.scale = step_size / std::max(1.0, update_rms / config_.clip_threshold);
    // Hugging Face couples weight decay to the parameter-scaled step size; torch to the plain lr.
    apply.decay = 1.0 - config_.weight_decay * (torch ? lr.value_or(1e-2) : step_size);
    Tensor first_moment;
    if (config_.beta1) {
      apply.beta1 = *config_.beta1;
      first_moment = Tensor::over(first_moments_.storage(), p.value.byte_offset(), p.shape, params_.dtype());
    }
    adafactor_apply(p.value, p.grad, m, rule, apply, first_moment);
  }
  return grad_norm;
}

std::vector<std::pair<std::string, Tensor>> Adafactor::state_tensors() const {
  std::vector<std::pair<std::string, Tensor>> out;
  size_t i = 0;
  for (const Parameter& p : params_.all()) {
    const AdafactorMoments& m = moments_[i++];
    if (m.factored()) {
      out.emplace_back("exp_avg_sq_row." + p.name, m.row);
      out.emplace_back("exp_avg_sq_col." + p.name, m.col);
    } else {
      out.emplace_back("exp_avg_sq." + p.name, m.variance);
    }
    if (first_moments_.defined())
      out.emplace_back("exp_avg." + p.name,
                       Tensor::over(first_moments_.storage(), p.value.byte_offset(), p.shape, params_.dtype()));
  }
  return out;
}

}  // namespace hone
