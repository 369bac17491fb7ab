#pragma once
// Test helpers for the data and tokenizer tests: a temporary directory and files written plain,
// gzip-compressed or zstd-compressed (as several frames, to exercise the streaming reader).
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"

namespace hone::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hone-data-test-XXXXXX").string();
    HONE_CHECK(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  HONE_CHECK(out.good(), "cannot write test file ", path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HONE_CHECK(in.good(), "cannot read test file ", path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  HONE_CHECK(file != nullptr, "cannot write test file ", path);
  HONE_CHECK(bytes.empty() || gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) > 0, "gzwrite failed");
  gzclose(file);
}

// One zstd frame per `frame_bytes` of input, concatenated (as `cat a.zst b.zst` produces).
inline void write_zstd(const std::string& path, const std::string& bytes, size_t frame_bytes = 1000) {
  std::string out;
  size_t begin = 0;
  do {
    const size_t n = std::min(frame_bytes, bytes.size() - begin);
    std::vector<char> frame(ZSTD_compressBound(n));
    size_t written = ZSTD_compress(frame.data(), frame.size(), bytes.data() + begin, n, 3);
    HONE_CHECK(!ZSTD_isError(written), "ZSTD_compress failed");
    out.append(frame.data(), written);
    begin += n;
  } while (begin < bytes.size());
  write_file(path, out);
}

// Deterministic English-like text: `count` sentences from a small vocabulary.
inline std::vector<std::string> generated_sentences(int count, uint64_t seed = 1) {
  static const char* words[] = {"the", "model", "reads", "a", "book", "about", "small", "rivers", "and", "learns",
                                "quickly", "while", "every", "student", "writes", "long", "letters", "to", "her",
                                "friends", "in", "winter", "green", "fields", "under", "bright", "stars", "shine"};
  const uint64_t n_words = sizeof words / sizeof *words;
  std::vector<std::string> sentences;
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  for (int s = 0; s < count; ++s) {
    std::string sentence;
    const int length = 4 + static_cast<int>(next() % 10);
    for (int w = 0; w < length; ++w) {
      if (w > 0) sentence += ' ';
      sentence += words[next() % n_words];
    }
    sentence += '.';
    sentences.push_back(sentence);
  }
  return sentences;
}

}  // namespace hone::testing
