#pragma once
// One document as it flows through `hone curate`: the readers fill it, each stage keeps, drops or
// edits it, and the writers store it with its original id and metadata plus what the stages measured.
#include <string>

#include <nlohmann/json.hpp>

namespace hone::curate {

struct Document {
  std::string id;    // WARC-Record-ID, the JSONL `id`, or a file name: kept verbatim in the output
  std::string text;  // UTF-8; the readers decode other charsets before any stage sees the text
  std::string url;   // empty when the source has none
  nlohmann::json metadata = nlohmann::json::object();  // source metadata plus per-stage measurements
};

}  // namespace hone::curate
