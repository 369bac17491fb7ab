#include "tasks/answer_extraction.h"

#include <cctype>

namespace hone::tasks {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string trim(const std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end && is_space(s[begin])) ++begin;
  while (end > begin && is_space(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "(B)" or "(B) text" -> "B"; anything else unchanged.
std::string strip_option_letter(const std::string& s) {
  if (s.size() >= 3 && s[0] == '(' && std::isalpha(static_cast<unsigned char>(s[1])) && s[2] == ')' &&
      (s.size() == 3 || is_space(s[3])))
    return s.substr(1, 1);
  return s;
}

// Canonical decimal text when the whole string is a number, else nullopt-like empty result.
bool normalize_number(const std::string& s, std::string& out) {
  size_t i = 0;
  std::string sign;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) sign = s[i++] == '-' ? "-" : "";
  if (i < s.size() && s[i] == '$') ++i;
  std::string integer, fraction;
  bool grouped = false;
  size_t group_len = 0;
  const size_t int_start = i;
  for (; i < s.size() && (is_digit(s[i]) || s[i] == ','); ++i) {
    if (s[i] == ',') {
      // Thousands separators only: the first group 1-3 digits, then groups of exactly three.
      if (integer.empty() || (grouped ? group_len != 3 : integer.size() > 3)) return false;
      grouped = true;
      group_len = 0;
    } else {
      integer += s[i];
      ++group_len;
    }
  }
  if (grouped && group_len != 3) return false;
  if (i > int_start && s[i - 1] == ',') return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && is_digit(s[i]); ++i) fraction += s[i];
    if (fraction.empty() && integer.empty()) return false;
  }
  if (i != s.size() || (integer.empty() && fraction.empty())) return false;
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  size_t lead = 0;
  while (lead + 1 < integer.size() && integer[lead] == '0') ++lead;
  integer = integer.empty() ? "0" : integer.substr(lead);
  out = integer + (fraction.empty() ? "" : "." + fraction);
  if (out != "0") out = sign + out;
  return true;
}

}  // namespace

std::string extract_answer(const std::string& text) {
  const std::string folded = lower(text);
  const std::string marker = "answer is";
  const size_t at = folded.rfind(marker);
  if (at == std::string::npos) return strip_option_letter(trim(text));
  size_t begin = at + marker.size();
  while (begin < text.size() && (is_space(text[begin]) || text[begin] == ':')) ++begin;
  // The answer runs to the end of its line or sentence; a full stop between digits is a decimal point.
  size_t end = begin;
  for (; end < text.size(); ++end) {
    const char c = text[end];
    if (c == '\n') break;
    if (c == '.' || c == '!' || c == '?') {
      const bool decimal = c == '.' && end > begin && is_digit(text[end - 1]) && end + 1 < text.size() &&
                           is_digit(text[end + 1]);
      if (!decimal) break;
    }
  }
  return strip_option_letter(trim(text.substr(begin, end - begin)));
}

std::string normalize_answer(const std::string& answer) {
  std::string collapsed;
  bool pending_space = false;
  for (char c : trim(answer)) {
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) collapsed += ' ';
    pending_space = false;
    collapsed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  // Peel quotes and a trailing full stop until nothing changes ("'3.'" -> "3").
  for (bool changed = true; changed && !collapsed.empty();) {
    changed = false;
    const char first = collapsed.front(), last = collapsed.back();
    if (collapsed.size() >= 2 && first == last && (first == '"' || first == '\'' || first == '`')) {
      collapsed = trim(collapsed.substr(1, collapsed.size() - 2));
      changed = true;
    } else if (last == '.') {
      collapsed = trim(collapsed.substr(0, collapsed.size() - 1));
      changed = true;
    }
  }
  collapsed = strip_option_letter(collapsed);
  std::string number;
  if (normalize_number(collapsed, number)) return number;
  return collapsed;
}

bool answer_matches(const std::string& generation, const std::string& target, const std::vector<std::string>& accepted) {
  const std::string predicted = normalize_answer(extract_answer(generation));
  if (predicted == normalize_answer(extract_answer(target))) return true;
  for (const auto& alternative : accepted)
    if (predicted == normalize_answer(alternative)) return true;
  return false;
}

}  // namespace hone::tasks
