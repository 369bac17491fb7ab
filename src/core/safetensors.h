#pragma once
// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of UTF-8 JSON mapping each tensor name to {dtype, shape, data_offsets: [begin, end]}
// (offsets relative to the byte after the header) plus an optional "__metadata__" string map, then the
// data. Reading mmaps the file and hands out zero-copy views; every structural rule is validated on
// open, and a malformed file gives an Error naming the file and the problem, never a crash.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace hone {

using TensorMetadata = std::map<std::string, std::string>;

struct SafetensorsEntry {
  DType dtype;
  Shape shape;
  size_t begin = 0;  // byte offsets into the data section
  size_t end = 0;
};

class SafetensorsFile {
 public:
  // Opens and validates the whole structure (header, dtypes, shapes, offsets in range, no overlap,
  // no gap, sizes matching dtype x shape). As in the reference implementation, the tensors sorted by
  // offset must tile the data section exactly; unknown fields inside a tensor entry are ignored.
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const { return path_; }
  // Tensor names in the order of their data offsets.
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  const SafetensorsEntry& entry(const std::string& name) const;
  // Zero-copy view of the mapped data; keeps the mapping alive after this object is gone. The mapping is
  // private copy-on-write: writing through a view never changes the file. A tensor whose offset is not a
  // multiple of its element size (legal in files from other writers, e.g. an I8 tensor before an F32
  // one, or an unpadded header) is instead copied into a fresh 64-byte aligned buffer, since kernels
  // need aligned elements. Error naming the tensor if absent.
  Tensor get(const std::string& name) const;
  const TensorMetadata& metadata() const { return metadata_; }

 private:
  std::string path_;
  std::shared_ptr<Storage> mapping_;  // the data section of the mmap'd file
  std::map<std::string, SafetensorsEntry> entries_;
  std::vector<std::string> names_;
  TensorMetadata metadata_;
};

// Writes tensors (any dtype, any strides: stored contiguous, in the order given) atomically: to a
// temporary file in the same directory, fsync'd, then renamed over path. On failure (disk full, ...)
// the temporary is removed, an Error is thrown and any existing file at path is untouched.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const TensorMetadata& metadata = {});

}  // namespace hone
