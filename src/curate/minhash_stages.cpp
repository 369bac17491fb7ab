#include "curate/minhash_stages.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "curate/minhash_clusters.h"
#include "curate/minhash_shingles.h"
#include "data/line_reader.h"

namespace hone::curate {
namespace fs = std::filesystem;
namespace {

constexpr char kSignatureMagic[8] = {'H', 'O', 'N', 'E', 'M', 'H', 'S', '1'};

// What a signature file starts with; a mismatch means it came from another configuration.
struct SignatureHeader {
  char magic[8];
  uint64_t seed;
  uint32_t bands, rows, ngram_size, n_docs;
};

uint64_t doc_id(size_t input_index, size_t line_index) {
  return (static_cast<uint64_t>(input_index) << 32) | static_cast<uint64_t>(line_index);
}

std::string indexed_name(size_t index, const char* suffix) {
  char name[32];
  std::snprintf(name, sizeof(name), "%05zu%s", index, suffix);
  return name;
}

fs::path signature_path(const MinhashJob& job, size_t input) {
  return fs::path(job.work_dir) / "signatures" / indexed_name(input, ".sig");
}
fs::path shingles_path(const MinhashJob& job, size_t input) {
  return fs::path(job.work_dir) / "shingles" / indexed_name(input, ".shingles");
}
fs::path pairs_path(const MinhashJob& job, int task) {
  return fs::path(job.work_dir) / "pairs" / (indexed_name(static_cast<size_t>(task), "-of-") +
                                             indexed_name(static_cast<size_t>(job.tasks), ".pairs"));
}
fs::path removed_path(const MinhashJob& job) { return fs::path(job.work_dir) / "clusters" / "removed.ids"; }

void check_task(const MinhashJob& job, int task) {
  HONE_CHECK(job.tasks >= 1, "MinHash job needs tasks >= 1, got ", job.tasks);
  HONE_CHECK(task >= 0 && task < job.tasks, "MinHash task index ", task, " is outside 0..", job.tasks - 1,
             ": pass --task-index in [0, --tasks)");
  HONE_CHECK(job.inputs.size() < (size_t{1} << 31), "too many MinHash inputs (", job.inputs.size(), ")");
  job.config.validate();
}

// Writes through a temporary file that is renamed into place once complete, so a crashed task never
// leaves a file that a relaunch would take as finished.
class AtomicFile {
 public:
  explicit AtomicFile(fs::path path) : path_(std::move(path)), temp_(path_.string() + ".tmp") {
    fs::create_directories(path_.parent_path());
    out_.open(temp_, std::ios::binary | std::ios::trunc);
    HONE_CHECK(out_.good(), "cannot write ", temp_.string(), ": check the directory exists and is writable");
  }
  std::ofstream& stream() { return out_; }
  void write(const void* data, size_t bytes) {
    out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
    written_ += bytes;
  }
  size_t written() const { return written_; }
  void commit() {
    out_.close();
    HONE_CHECK(!out_.fail(), "writing ", temp_.string(), " failed: is the disk full?");
    fs::rename(temp_, path_);
  }

 private:
  fs::path path_, temp_;
  std::ofstream out_;
  size_t written_ = 0;
};

// Calls visit(line_index, line, text) for every non-empty line of a JSONL file (plain, .gz or .zst).
template <class Visit>
size_t for_each_document(const std::string& path, Visit&& visit) {
  HONE_CHECK(fs::is_regular_file(path), "cannot read MinHash input ", path, ": check the path");
  LineReader in(path);
  std::string line;
  size_t index = 0, bytes = 0;
  while (in.next(line)) {
    bytes += line.size() + 1;
    if (line.empty()) continue;
    nlohmann::json document;
    try {
      document = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      fail(path, " line ", index + 1, " is not JSON (", e.what(), "): inputs must be JSONL with a \"text\" field");
    }
    const auto text = document.find("text");
    HONE_CHECK(text != document.end() && text->is_string(), path, " document ", index + 1,
               " has no \"text\" string: inputs must be JSONL with a \"text\" field");
    visit(index, line, text->get_ref<const std::string&>());
    ++index;
  }
  return bytes;
}

class StageTimer {
 public:
  StageTimer(const MinhashJob& job, const char* stage, int task) : job_(job), start_(Clock::now()) {
    report_.stage = stage;
    report_.task = task;
  }
  StageReport& report() { return report_; }
  // Records the time and writes the task's stats JSON (also for a skipped, resumed task).
  StageReport finish() {
    report_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const nlohmann::json stats = {{"stage", report_.stage},       {"task", report_.task},
                                  {"tasks", job_.tasks},          {"skipped", report_.skipped},
                                  {"docs_in", report_.docs_in},   {"docs_out", report_.docs_out},
                                  {"bytes_in", report_.bytes_in}, {"bytes_out", report_.bytes_out},
                                  {"seconds", report_.seconds}};
    AtomicFile file(fs::path(job_.work_dir) / "stats" /
                    (report_.stage + "-" + indexed_name(static_cast<size_t>(report_.task), ".json")));
    file.stream() << stats.dump(2) << '\n';
    file.commit();
    return report_;
  }

 private:
  using Clock = std::chrono::steady_clock;
  const MinhashJob& job_;
  Clock::time_point start_;
  StageReport report_;
};

SignatureHeader read_signature_header(std::ifstream& in, const fs::path& path, const MinhashConfig& config) {
  SignatureHeader header{};
  in.read(reinterpret_cast<char*>(&header), sizeof(header));
  HONE_CHECK(in.good() && std::memcmp(header.magic, kSignatureMagic, sizeof(kSignatureMagic)) == 0, path.string(),
             " is not a MinHash signature file: delete it and rerun the signatures stage");
  HONE_CHECK(header.seed == config.seed && header.bands == static_cast<uint32_t>(config.bands) &&
                 header.rows == static_cast<uint32_t>(config.rows) &&
                 header.ngram_size == static_cast<uint32_t>(config.ngram_size),
             path.string(), " was made with another MinHash configuration (", header.bands, " x ", header.rows,
             ", seed ", header.seed, "): use a fresh work directory for a new configuration");
  return header;
}

}  // namespace

std::string minhash_output_path(const MinhashJob& job, size_t input_index) {
  HONE_CHECK(input_index < job.inputs.size(), "no MinHash input ", input_index);
  const std::string base = fs::path(job.inputs[input_index]).filename().string();
  return (fs::path(job.output_dir) / (indexed_name(input_index, "-") + base)).string();
}

StageReport run_minhash_signatures(const MinhashJob& job, int task) {
  check_task(job, task);
  StageTimer timer(job, "minhash-signatures", task);
  StageReport& report = timer.report();
  report.skipped = true;
  const MinhashFunctions functions(job.config);
  const bool keep_shingles = job.config.verify_jaccard > 0;
  const size_t bands = static_cast<size_t>(job.config.bands);
  for (size_t input = static_cast<size_t>(task); input < job.inputs.size(); input += static_cast<size_t>(job.tasks)) {
    if (fs::exists(signature_path(job, input)) && (!keep_shingles || fs::exists(shingles_path(job, input)))) continue;
    report.skipped = false;
    std::vector<std::string> texts;
    report.bytes_in += for_each_document(job.inputs[input], [&](size_t, const std::string&, const std::string& text) {
      texts.push_back(text);
    });
    const size_t n_docs = texts.size();
    HONE_CHECK(n_docs < (size_t{1} << 32), job.inputs[input], " has too many documents for one input file");
    std::vector<uint64_t> keys(bands * n_docs);  // band-major, so a bucket task reads its bands only
    std::vector<uint8_t> has_shingles(n_docs, 0);
    std::vector<std::vector<uint64_t>> sets(keep_shingles ? n_docs : 0);
#pragma omp parallel
    {
      ShingleHasher hasher(job.config.ngram_size);
      std::vector<uint64_t> hashes, doc_keys(bands);
      std::vector<uint32_t> signature(static_cast<size_t>(job.config.num_hashes()));
#pragma omp for schedule(dynamic, 4)
      for (size_t d = 0; d < n_docs; ++d) {
        hasher.hash_shingles(texts[d], hashes);
        if (hashes.empty()) continue;
        has_shingles[d] = 1;
        functions.signature(hashes, signature);
        functions.band_keys(signature, doc_keys);
        for (size_t band = 0; band < bands; ++band) keys[band * n_docs + d] = doc_keys[band];
        if (keep_shingles) {
          std::sort(hashes.begin(), hashes.end());
          hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
          sets[d] = hashes;
        }
      }
    }
    report.docs_in += n_docs;
    report.docs_out += n_docs;
    if (keep_shingles) {
      AtomicFile file(shingles_path(job, input));
      std::vector<uint64_t> offsets(n_docs + 1, 0);
      for (size_t d = 0; d < n_docs; ++d) offsets[d + 1] = offsets[d] + sets[d].size();
      const uint64_t count = n_docs;
      file.write(&count, sizeof(count));
      file.write(offsets.data(), offsets.size() * sizeof(uint64_t));
      for (const auto& set : sets) file.write(set.data(), set.size() * sizeof(uint64_t));
      report.bytes_out += file.written();
      file.commit();
    }
    SignatureHeader header{};
    std::memcpy(header.magic, kSignatureMagic, sizeof(kSignatureMagic));
    header.seed = job.config.seed;
    header.bands = static_cast<uint32_t>(bands);
    header.rows = static_cast<uint32_t>(job.config.rows);
    header.ngram_size = static_cast<uint32_t>(job.config.ngram_size);
    header.n_docs = static_cast<uint32_t>(n_docs);
    AtomicFile file(signature_path(job, input));
    file.write(&header, sizeof(header));
    file.write(has_shingles.data(), has_shingles.size());
    file.write(keys.data(), keys.size() * sizeof(uint64_t));
    report.bytes_out += file.written();
    file.commit();  // last: its presence marks the input done
  }
  return timer.finish();
}

StageReport run_minhash_buckets(const MinhashJob& job, int task) {
  check_task(job, task);
  StageTimer timer(job, "minhash-buckets", task);
  StageReport& report = timer.report();
  const fs::path out_path = pairs_path(job, task);
  if (fs::exists(out_path)) {
    report.skipped = true;
    return timer.finish();
  }
  // Open every signature file once; each band is then a seek and a read per file.
  struct SignatureFile {
    std::ifstream in;
    SignatureHeader header;
    std::vector<uint8_t> has_shingles;
    std::streamoff keys_offset;
  };
  std::vector<SignatureFile> files(job.inputs.size());
  for (size_t input = 0; input < job.inputs.size(); ++input) {
    const fs::path path = signature_path(job, input);
    SignatureFile& file = files[input];
    file.in.open(path, std::ios::binary);
    HONE_CHECK(file.in.good(), "missing ", path.string(), ": run the signatures stage for every task first");
    file.header = read_signature_header(file.in, path, job.config);
    file.has_shingles.resize(file.header.n_docs);
    file.in.read(reinterpret_cast<char*>(file.has_shingles.data()), file.header.n_docs);
    file.keys_offset = static_cast<std::streamoff>(sizeof(SignatureHeader) + file.header.n_docs);
    report.docs_in += file.header.n_docs;
  }
  std::vector<DocPair> pairs;
  std::vector<BandEntry> entries;
  std::vector<uint64_t> keys;
  for (size_t band = static_cast<size_t>(task); band < static_cast<size_t>(job.config.bands);
       band += static_cast<size_t>(job.tasks)) {
    entries.clear();
    for (size_t input = 0; input < files.size(); ++input) {
      SignatureFile& file = files[input];
      const size_t n_docs = file.header.n_docs;
      keys.resize(n_docs);
      file.in.seekg(file.keys_offset + static_cast<std::streamoff>(band * n_docs * sizeof(uint64_t)));
      file.in.read(reinterpret_cast<char*>(keys.data()), static_cast<std::streamsize>(n_docs * sizeof(uint64_t)));
      HONE_CHECK(file.in.good(), signature_path(job, input).string(), " is truncated: delete it and rerun");
      report.bytes_in += n_docs * sizeof(uint64_t);
      for (size_t d = 0; d < n_docs; ++d) {
        if (file.has_shingles[d]) entries.push_back({keys[d], doc_id(input, d)});
      }
    }
    append_candidate_pairs(entries, pairs);
    sort_unique(pairs);  // per band, so pairs repeated across bands never pile up
  }
  AtomicFile file(out_path);
  file.write(pairs.data(), pairs.size() * sizeof(DocPair));
  report.docs_out = pairs.size();
  report.bytes_out = file.written();
  file.commit();
  return timer.finish();
}

StageReport run_minhash_clusters(const MinhashJob& job) {
  check_task(job, 0);
  StageTimer timer(job, "minhash-clusters", 0);
  StageReport& report = timer.report();
  if (fs::exists(removed_path(job))) {
    report.skipped = true;
    return timer.finish();
  }
  std::vector<DocPair> pairs;
  for (int task = 0; task < job.tasks; ++task) {
    const fs::path path = pairs_path(job, task);
    std::ifstream in(path, std::ios::binary);
    HONE_CHECK(in.good(), "missing ", path.string(), ": run the buckets stage for every task first");
    const size_t bytes = fs::file_size(path);
    HONE_CHECK(bytes % sizeof(DocPair) == 0, path.string(), " is truncated: delete it and rerun its task");
    const size_t old_size = pairs.size();
    pairs.resize(old_size + bytes / sizeof(DocPair));
    in.read(reinterpret_cast<char*>(pairs.data() + old_size), static_cast<std::streamsize>(bytes));
    report.bytes_in += bytes;
  }
  sort_unique(pairs);
  report.docs_in = pairs.size();

  if (job.config.verify_jaccard > 0) {
    // Load the shingle sets of the inputs that have candidates, then check each pair.
    std::vector<std::vector<std::vector<uint64_t>>> sets(job.inputs.size());
    for (const DocPair& pair : pairs) {
      for (const uint64_t id : {pair.first, pair.second}) {
        const size_t input = static_cast<size_t>(id >> 32);
        if (!sets[input].empty()) continue;
        const fs::path path = shingles_path(job, input);
        std::ifstream in(path, std::ios::binary);
        HONE_CHECK(in.good(), "missing ", path.string(), ": rerun the signatures stage with verify_jaccard set");
        uint64_t count = 0;
        in.read(reinterpret_cast<char*>(&count), sizeof(count));
        std::vector<uint64_t> offsets(count + 1);
        in.read(reinterpret_cast<char*>(offsets.data()), static_cast<std::streamsize>(offsets.size() * 8));
        sets[input].resize(count);
        for (size_t d = 0; d < count; ++d) {
          std::vector<uint64_t>& set = sets[input][d];
          set.resize(offsets[d + 1] - offsets[d]);
          in.read(reinterpret_cast<char*>(set.data()), static_cast<std::streamsize>(set.size() * 8));
        }
        HONE_CHECK(in.good(), path.string(), " is truncated: delete it and rerun the signatures stage");
      }
    }
    const auto set_of = [&](uint64_t id) -> const std::vector<uint64_t>& {
      return sets[static_cast<size_t>(id >> 32)][static_cast<size_t>(id & 0xFFFFFFFFu)];
    };
    std::vector<uint8_t> similar(pairs.size());
#pragma omp parallel for schedule(dynamic, 64)
    for (size_t p = 0; p < pairs.size(); ++p) {
      similar[p] = jaccard_similarity(set_of(pairs[p].first), set_of(pairs[p].second)) >= job.config.verify_jaccard;
    }
    size_t kept = 0;
    for (size_t p = 0; p < pairs.size(); ++p) {
      if (similar[p]) pairs[kept++] = pairs[p];
    }
    pairs.resize(kept);
  }

  const ClusterResult clusters = cluster_pairs(pairs);
  report.docs_out = clusters.removed.size();
  AtomicFile summary(fs::path(job.work_dir) / "clusters" / "summary.json");
  summary.stream() << nlohmann::json{{"candidate_pairs", report.docs_in},
                                     {"verified_pairs", pairs.size()},
                                     {"clusters", clusters.clusters},
                                     {"removed", clusters.removed.size()}}
                          .dump(2)
                   << '\n';
  summary.commit();
  AtomicFile file(removed_path(job));
  file.write(clusters.removed.data(), clusters.removed.size() * sizeof(uint64_t));
  report.bytes_out = file.written();
  file.commit();
  return timer.finish();
}

std::vector<uint64_t> read_removed_ids(const MinhashJob& job) {
  const fs::path path = removed_path(job);
  std::ifstream in(path, std::ios::binary);
  HONE_CHECK(in.good(), "missing ", path.string(), ": run the clusters stage first");
  const size_t bytes = fs::file_size(path);
  HONE_CHECK(bytes % sizeof(uint64_t) == 0, path.string(), " is truncated: delete it and rerun the clusters stage");
  std::vector<uint64_t> removed(bytes / sizeof(uint64_t));
  in.read(reinterpret_cast<char*>(removed.data()), static_cast<std::streamsize>(bytes));
  return removed;
}

StageReport run_minhash_filter(const MinhashJob& job, int task) {
  check_task(job, task);
  StageTimer timer(job, "minhash-filter", task);
  StageReport& report = timer.report();
  report.skipped = true;
  std::vector<uint64_t> removed;
  bool loaded = false;
  for (size_t input = static_cast<size_t>(task); input < job.inputs.size(); input += static_cast<size_t>(job.tasks)) {
    const std::string out_path = minhash_output_path(job, input);
    if (fs::exists(out_path)) continue;
    report.skipped = false;
    if (!loaded) {
      removed = read_removed_ids(job);
      loaded = true;
    }
    AtomicFile file(out_path);
    report.bytes_in += for_each_document(job.inputs[input], [&](size_t index, const std::string& line,
                                                                 const std::string&) {
      ++report.docs_in;
      if (std::binary_search(removed.begin(), removed.end(), doc_id(input, index))) return;
      ++report.docs_out;
      file.write(line.data(), line.size());
      file.write("\n", 1);
    });
    report.bytes_out += file.written();
    file.commit();
  }
  return timer.finish();
}

std::vector<StageReport> run_minhash_dedup(const MinhashJob& job) {
  std::vector<StageReport> reports;
  for (int task = 0; task < job.tasks; ++task) reports.push_back(run_minhash_signatures(job, task));
  for (int task = 0; task < job.tasks; ++task) reports.push_back(run_minhash_buckets(job, task));
  reports.push_back(run_minhash_clusters(job));
  for (int task = 0; task < job.tasks; ++task) reports.push_back(run_minhash_filter(job, task));
  return reports;
}

}  // namespace hone::curate
