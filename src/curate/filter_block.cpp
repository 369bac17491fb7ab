#include "curate/filter_block.h"

#include <chrono>

namespace hone::curate {

Verdict FilterBlock::process(Document& doc) {
  const auto start = std::chrono::steady_clock::now();
  stats_.docs_in += 1;
  stats_.bytes_in += doc.text.size();
  Verdict verdict;
  try {
    verdict = apply(doc);
  } catch (...) {
    // Counted as a drop so that docs_in = docs_out + drops still holds for a runner that skips the
    // document and goes on.
    stats_.add_drop("invalid_input");
    stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    throw;
  }
  if (verdict.keep) {
    stats_.docs_out += 1;
    stats_.bytes_out += doc.text.size();
  } else {
    stats_.add_drop(verdict.reason);
  }
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return verdict;
}

}  // namespace hone::curate
