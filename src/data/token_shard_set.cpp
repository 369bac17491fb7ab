#include "data/token_shard_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/tokenize_corpus.h"

namespace hone {

DatasetManifest read_dataset_manifest(const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(directory) / kDatasetManifestFile;
  HONE_CHECK(fs::is_regular_file(path), "'", directory, "' is not a complete token dataset: ", path.string(),
             " is missing (create it with 'hone tokenize', which writes it last)");
  DatasetManifest manifest;
  try {
    std::ifstream in(path);
    const nlohmann::json json = nlohmann::json::parse(in);
    for (const auto& name : json.at("shards"))
      manifest.shard_paths.push_back((fs::path(directory) / name.get<std::string>()).string());
    manifest.eos_id = json.at("eos_id").get<int32_t>();
    if (json.contains("tokenizer")) manifest.tokenizer_dir = json.at("tokenizer").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    fail("'", path.string(), "' is malformed: ", e.what(), " (re-create the dataset with 'hone tokenize')");
  }
  HONE_CHECK(!manifest.shard_paths.empty(), "'", path.string(), "' lists no token shards");
  return manifest;
}

TokenShardSet::TokenShardSet(std::vector<TokenShard> shards) : shards_(std::move(shards)) {
  HONE_CHECK(!shards_.empty(), "a dataset needs at least one token shard");
  first_document_.push_back(0);
  for (const auto& shard : shards_) {
    HONE_CHECK(shard.vocab_size() == vocab_size(), "token shard '", shard.path(), "' has vocabulary size ",
               shard.vocab_size(), " but '", shards_.front().path(), "' has ", vocab_size(),
               ": a dataset must come from one tokenizer");
    first_document_.push_back(first_document_.back() + shard.document_count());
    token_count_ += shard.token_count();
  }
}

std::pair<int64_t, int64_t> TokenShardSet::locate(int64_t global) const {
  const int64_t shard = std::upper_bound(first_document_.begin(), first_document_.end(), global) -
                        first_document_.begin() - 1;
  return {shard, global - first_document_[static_cast<size_t>(shard)]};
}

int64_t TokenShardSet::document_length(int64_t global) const {
  const auto [shard_index, local] = locate(global);
  return shard(shard_index).document_length(local);
}

}  // namespace hone
