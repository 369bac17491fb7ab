#pragma once
// Reads the answer out of a model's output for exact-match evaluation: "So the answer is (B)." -> "B",
// the last "answer is" wins, numbers are normalised (1,000 -> 1000, 3.0 -> 3), and comparison ignores
// case and runs of whitespace.
#include <string>
#include <vector>

namespace hone::tasks {

// The answer part of a generation: what follows the last "answer is" (up to the end of its sentence
// or line), or the whole text when there is none; option letters lose their brackets.
std::string extract_answer(const std::string& text);

// Lower case, single spaces, no surrounding quotes or trailing full stop, "(b)" -> "b",
// numbers without thousands separators or trailing fractional zeros.
std::string normalize_answer(const std::string& answer);

// Whether a generation's answer equals the target (or one of the accepted alternatives) after
// extraction and normalisation of both sides.
bool answer_matches(const std::string& generation, const std::string& target,
                    const std::vector<std::string>& accepted = {});

}  // namespace hone::tasks
