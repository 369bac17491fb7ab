#pragma once
// MinHash deduplication as four resumable stages whose outputs are files, so each can run as N tasks
// (one per core, a Slurm array or MPI ranks) on a shared directory:
//   1. signatures  task i of N: for inputs[i::N], each document's band keys -> work/signatures/
//   2. buckets     task i of N: for bands[i::N], documents sharing a key -> candidate pairs -> work/pairs/
//   3. clusters    one task: (optional Jaccard check) union-find -> work/clusters/removed.ids
//   4. filter      task i of N: for inputs[i::N], copy the lines of kept documents -> output/
// Every output is written under a temporary name and renamed when complete; a relaunched task skips
// outputs that exist. A document's id is (input index << 32) | line index, so ids, pairs and the kept
// set do not depend on N or on the thread count.
// Inputs are JSONL files (plain, .gz or .zst; stage 4 writes plain JSONL), one document per line with a "text" string field; other fields (id,
// metadata) are carried to the output untouched because kept lines are copied verbatim.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "curate/minhash_signature.h"

namespace hone::curate {

struct MinhashJob {
  std::vector<std::string> inputs;  // JSONL files; their order defines the document ids
  std::string work_dir;             // intermediate files, shared by all tasks
  std::string output_dir;           // one JSONL per input with the kept documents
  MinhashConfig config;
  int tasks = 1;  // N: every stage but clusters splits its work into N tasks
};

struct StageReport {
  std::string stage;
  int task = 0;
  bool skipped = false;  // every output already existed (a resumed run)
  size_t docs_in = 0, docs_out = 0;
  size_t bytes_in = 0, bytes_out = 0;
  double seconds = 0.0;
};

StageReport run_minhash_signatures(const MinhashJob& job, int task);
StageReport run_minhash_buckets(const MinhashJob& job, int task);
StageReport run_minhash_clusters(const MinhashJob& job);
StageReport run_minhash_filter(const MinhashJob& job, int task);

// Every stage, every task in turn, in this process (each task uses all OpenMP threads).
std::vector<StageReport> run_minhash_dedup(const MinhashJob& job);

// Where stage 4 writes the kept documents of inputs[input_index].
std::string minhash_output_path(const MinhashJob& job, size_t input_index);

// The ids stage 3 chose to remove (sorted); fails if that stage has not finished.
std::vector<uint64_t> read_removed_ids(const MinhashJob& job);

}  // namespace hone::curate
