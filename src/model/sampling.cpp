#include "model/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace hone {
namespace {

int32_t argmax(std::span<const float> logits) {
  HONE_CHECK(!logits.empty(), "sampling: empty logits");
  size_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i)
    if (logits[i] > logits[best]) best = i;
  return static_cast<int32_t>(best);
}

// Kept token ids from most to least likely, with their (unnormalised) probabilities.
struct Candidates {
  std::vector<int32_t> ids;
  std::vector<double> weights;
  double total = 0.0;
};

Candidates candidates(std::span<const float> logits, const SamplingOptions& options) {
  const size_t vocab = logits.size();
  const double max_logit = *std::max_element(logits.begin(), logits.end());
  HONE_CHECK(std::isfinite(max_logit), "sampling: the logits are not finite (max ", max_logit, ")");
  std::vector<double> weight(vocab);
  for (size_t i = 0; i < vocab; ++i) weight[i] = std::exp((logits[i] - max_logit) / options.temperature);
  Candidates c;
  c.ids.resize(vocab);
  std::iota(c.ids.begin(), c.ids.end(), 0);
  const size_t keep = options.top_k > 0 ? std::min(vocab, static_cast<size_t>(options.top_k)) : vocab;
  auto more_likely = [&](int32_t a, int32_t b) { return weight[a] > weight[b] || (weight[a] == weight[b] && a < b); };
  if (keep < vocab) {
    std::partial_sort(c.ids.begin(), c.ids.begin() + static_cast<std::ptrdiff_t>(keep), c.ids.end(), more_likely);
    c.ids.resize(keep);
  } else if (options.top_p < 1.0) {
    std::sort(c.ids.begin(), c.ids.end(), more_likely);
  }
  for (int32_t id : c.ids) c.total += weight[id];
  if (options.top_p < 1.0) {
    // The smallest prefix (in order of probability) whose mass reaches top_p; at least one token.
    double mass = 0.0;
    size_t n = 0;
    while (n < c.ids.size() && (n == 0 || mass < options.top_p * c.total)) mass += weight[c.ids[n++]];
    c.ids.resize(n);
    c.total = mass;
  }
  c.weights.reserve(c.ids.size());
  for (int32_t id : c.ids) c.weights.push_back(weight[id]);
  return c;
}

}  // namespace

void check_sampling_options(const SamplingOptions& options) {
  HONE_CHECK(std::isfinite(options.temperature) && options.temperature >= 0, "sampling: temperature must be >= 0 (0 is ",
             "greedy), got ", options.temperature);
  HONE_CHECK(options.top_k >= 0, "sampling: top_k must be >= 0 (0 keeps every token), got ", options.top_k);
  HONE_CHECK(options.top_p > 0 && options.top_p <= 1, "sampling: top_p must be in (0, 1] (1 keeps every token), got ",
             options.top_p);
}

bool is_greedy(const SamplingOptions& options) { return options.temperature == 0.0 || options.top_k == 1; }

std::vector<double> sampling_distribution(std::span<const float> logits, const SamplingOptions& options) {
  check_sampling_options(options);
  std::vector<double> p(logits.size(), 0.0);
  if (is_greedy(options)) {
    p[static_cast<size_t>(argmax(logits))] = 1.0;
    return p;
  }
  const Candidates c = candidates(logits, options);
  for (size_t i = 0; i < c.ids.size(); ++i) p[static_cast<size_t>(c.ids[i])] = c.weights[i] / c.total;
  return p;
}

int32_t sample_token(std::span<const float> logits, const SamplingOptions& options, double uniform) {
  if (is_greedy(options)) return argmax(logits);
  const Candidates c = candidates(logits, options);
  const double target = uniform * c.total;
  double cumulative = 0.0;
  for (size_t i = 0; i < c.ids.size(); ++i) {
    cumulative += c.weights[i];
    if (target < cumulative) return c.ids[i];
  }
  return c.ids.back();  // uniform * total rounded up to the total
}

double token_logprob(std::span<const float> logits, int32_t token) {
  HONE_CHECK(token >= 0 && static_cast<size_t>(token) < logits.size(), "token_logprob: token ", token,
             " outside the vocabulary of ", logits.size());
  const double max_logit = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float l : logits) sum += std::exp(l - max_logit);
  return logits[static_cast<size_t>(token)] - max_logit - std::log(sum);
}

}  // namespace hone
