#include "core/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "backend/elementwise.h"

namespace hone {

// The format stores integers little-endian; we write and read host integers directly.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

namespace {

using Json = nlohmann::ordered_json;  // keeps the header's key order (needed to write in the given order)

// Same cap as the reference implementation: a larger header is corrupt (or hostile), not a model.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";

template <class... Parts>
[[noreturn]] void invalid(const std::string& path, const Parts&... parts) {
  fail("invalid safetensors file '", path, "': ", parts...,
       " (the file is corrupt or not a safetensors file: re-create or re-download it)");
}

std::string errno_text(int error) { return std::strerror(error); }

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. Returns the byte
// offset of the first bad sequence, or n when the whole buffer is valid.
size_t first_invalid_utf8(const unsigned char* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min_code, code;
    if ((c & 0xE0) == 0xC0) {
      len = 2, min_code = 0x80, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, min_code = 0x800, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, min_code = 0x10000, code = c & 0x07;
    } else {
      return i;
    }
    if (n - i < len) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      code = (code << 6) | (s[i + k] & 0x3F);
    }
    if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
    i += len;
  }
  return n;
}

// A non-negative JSON integer that fits uint64 (floats such as 2.0 and negatives are rejected).
bool as_count(const Json& value, uint64_t* out) {
  if (value.is_number_unsigned()) {
    *out = value.get<uint64_t>();
    return true;
  }
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(value.get<int64_t>());
    return true;
  }
  return false;
}

// Parses the header JSON, rejecting duplicate keys in any object (the JSON library would silently keep
// the last one, so two tensors of the same name would otherwise load as one).
Json parse_header(const std::string& path, const char* begin, const char* end) {
  std::vector<std::set<std::string>> keys_per_object;
  std::string duplicate;
  auto on_event = [&](int, nlohmann::json::parse_event_t event, Json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      keys_per_object.emplace_back();
    } else if (event == Event::object_end) {
      if (!keys_per_object.empty()) keys_per_object.pop_back();
    } else if (event == Event::key && !keys_per_object.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys_per_object.back().insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  Json root;
  try {
    root = Json::parse(begin, end, on_event);
  } catch (const nlohmann::json::exception& e) {
    invalid(path, "the header is not valid JSON: ", e.what());
  }
  if (!duplicate.empty()) invalid(path, "the header has the key \"", duplicate, "\" more than once");
  if (!root.is_object()) invalid(path, "the header is JSON but not an object");
  return root;
}

SafetensorsEntry parse_entry(const std::string& path, const std::string& name, const Json& value,
                             uint64_t data_bytes) {
  auto where = [&] { return "tensor \"" + name + "\""; };
  if (!value.is_object()) invalid(path, where(), " is not an object with dtype, shape and data_offsets");
  // Unknown extra fields are ignored, as the reference implementation does.
  auto dtype_it = value.find("dtype");
  auto shape_it = value.find("shape");
  auto offsets_it = value.find("data_offsets");
  if (dtype_it == value.end()) invalid(path, where(), " has no \"dtype\"");
  if (shape_it == value.end()) invalid(path, where(), " has no \"shape\"");
  if (offsets_it == value.end()) invalid(path, where(), " has no \"data_offsets\"");

  SafetensorsEntry entry{};
  if (!dtype_it->is_string()) invalid(path, where(), ": \"dtype\" is not a string");
  const auto& dtype_text = dtype_it->get_ref<const std::string&>();
  if (!parse_dtype(dtype_text, &entry.dtype)) invalid(path, where(), " has unknown dtype \"", dtype_text, "\"");

  if (!shape_it->is_array()) invalid(path, where(), ": \"shape\" is not an array");
  // numel * itemsize must fit int64 so that every later size computation is exact.
  const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t numel = 1;
  for (const Json& dim : *shape_it) {
    uint64_t size;
    if (!as_count(dim, &size)) invalid(path, where(), ": shape ", shape_it->dump(), " has a value that is not a non-negative integer");
    if (size > limit || __builtin_mul_overflow(numel, size, &numel) || numel > limit)
      invalid(path, where(), ": shape ", shape_it->dump(), " has more elements than fit in 64 bits");
    entry.shape.push_back(static_cast<int64_t>(size));
  }
  uint64_t nbytes;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dtype_size(entry.dtype)), &nbytes) || nbytes > limit)
    invalid(path, where(), ": shape ", shape_it->dump(), " is too large to store");

  uint64_t begin, end;
  if (!offsets_it->is_array() || offsets_it->size() != 2 || !as_count((*offsets_it)[0], &begin) ||
      !as_count((*offsets_it)[1], &end))
    invalid(path, where(), ": \"data_offsets\" is not a pair of non-negative integers [begin, end]");
  if (begin > end) invalid(path, where(), ": data_offsets [", begin, ", ", end, "] end before they begin");
  if (end > data_bytes)
    invalid(path, where(), ": data_offsets [", begin, ", ", end, "] run past the ", data_bytes,
            "-byte data section (truncated file?)");
  if (end - begin != nbytes)
    invalid(path, where(), ": data_offsets [", begin, ", ", end, "] hold ", end - begin, " bytes but ",
            dtype_name(entry.dtype), shape_str(entry.shape), " needs ", nbytes);
  entry.begin = static_cast<size_t>(begin);
  entry.end = static_cast<size_t>(end);
  return entry;
}

// Owns one file mapping; the Storage over the data section and every zero-copy view keep it alive.
std::shared_ptr<void> map_file(const std::string& path, size_t* file_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open safetensors file '", path, "': ", errno_text(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int error = errno;
    ::close(fd);
    fail("cannot read safetensors file '", path, "': ", errno_text(error));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    fail("cannot read safetensors file '", path, "': not a regular file");
  }
  const size_t size = static_cast<size_t>(info.st_size);
  if (size < 8) {
    ::close(fd);
    invalid(path, "it is ", size, " bytes long, shorter than the 8-byte header length");
  }
  // Private and writable: views may be modified in place without ever touching the file (copy on write)
  // and without faulting; untouched pages stay shared with the page cache.
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  int error = errno;
  ::close(fd);  // the mapping stays valid without the descriptor
  if (base == MAP_FAILED) fail("cannot map safetensors file '", path, "' into memory: ", errno_text(error));
  *file_bytes = size;
  return std::shared_ptr<void>(base, [size](void* p) { ::munmap(p, size); });
}

// Writes all bytes or returns the errno of the failure.
int write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    size_t chunk = std::min<size_t>(n, size_t{1} << 30);
    ssize_t written = ::write(fd, data, chunk);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (written == 0) return EIO;
    data += written;
    n -= static_cast<size_t>(written);
  }
  return 0;
}

// A temporary file next to the target; removed unless committed by rename.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& target) : target_(target) {
    static std::atomic<uint64_t> counter{0};
    for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
      path_ = target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
      // 0666 minus the umask: the same permissions a plain create would give the target.
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0 && errno != EEXIST) break;
    }
    if (fd_ < 0) fail_write("creating a temporary file '", path_, "' failed: ", errno_text(errno));
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  void write(const void* data, size_t n) {
    if (int error = write_all(fd_, static_cast<const char*>(data), n))
      fail_write("writing failed: ", errno_text(error));
  }

  // fsync, close, then rename over the target: readers see the old file or the new one, never a mix.
  void commit() {
    if (::fsync(fd_) != 0) fail_write("fsync failed: ", errno_text(errno));
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_write("closing failed: ", errno_text(errno));
    if (::rename(path_.c_str(), target_.c_str()) != 0) fail_write("renaming into place failed: ", errno_text(errno));
    committed_ = true;
    // Persist the rename itself. The new file is already in place, so a failure here is not reported.
    std::string directory = target_.find('/') == std::string::npos ? "." : target_.substr(0, target_.rfind('/') + 1);
    int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }

 private:
  template <class... Parts>
  [[noreturn]] void fail_write(const Parts&... parts) const {
    fail("cannot write safetensors file '", target_, "': ", parts..., " (check that the directory exists, is writable and has free space; any previous file is unchanged)");
  }

  std::string target_;
  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  size_t file_bytes = 0;
  std::shared_ptr<void> mapping = map_file(path, &file_bytes);
  const unsigned char* base = static_cast<const unsigned char*>(mapping.get());

  uint64_t header_bytes;
  std::memcpy(&header_bytes, base, 8);
  if (header_bytes > kMaxHeaderBytes)
    invalid(path, "the header length ", header_bytes, " is larger than the ", kMaxHeaderBytes, "-byte limit");
  if (header_bytes > file_bytes - 8)
    invalid(path, "the header length ", header_bytes, " runs past the end of the ", file_bytes, "-byte file");
  const char* header = reinterpret_cast<const char*>(base + 8);
  size_t bad = first_invalid_utf8(base + 8, header_bytes);
  if (bad != header_bytes) invalid(path, "the header is not valid UTF-8 (byte ", bad, " of the header)");

  Json root = parse_header(path, header, header + header_bytes);
  const uint64_t data_bytes = file_bytes - 8 - header_bytes;

  SafetensorsFile file;
  file.path_ = path;
  std::vector<std::string> header_order;
  for (const auto& [name, value] : root.items()) {
    if (name == kMetadataKey) {
      if (!value.is_object()) invalid(path, "\"__metadata__\" is not an object mapping strings to strings");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string()) invalid(path, "\"__metadata__\" value of \"", key, "\" is not a string");
        file.metadata_.emplace(key, text.get<std::string>());
      }
      continue;
    }
    file.entries_.emplace(name, parse_entry(path, name, value, data_bytes));
    header_order.push_back(name);
  }

  // The reference rule: sorted by offsets, the tensors tile the data section exactly - each starts where
  // the previous one ended and the last ends at the end of the file (no overlap, no gap, no trailing bytes).
  file.names_ = header_order;
  std::stable_sort(file.names_.begin(), file.names_.end(), [&](const std::string& a, const std::string& b) {
    const auto& ea = file.entries_.at(a);
    const auto& eb = file.entries_.at(b);
    return std::pair(ea.begin, ea.end) < std::pair(eb.begin, eb.end);
  });
  uint64_t covered = 0;
  const std::string* previous = nullptr;
  for (const auto& name : file.names_) {
    const auto& entry = file.entries_.at(name);
    if (entry.begin < covered)
      invalid(path, "tensor \"", name, "\" overlaps tensor \"", *previous, "\" (data_offsets [", entry.begin, ", ",
              entry.end, "] start before byte ", covered, ")");
    if (entry.begin > covered)
      invalid(path, "the ", entry.begin - covered, " bytes before tensor \"", name, "\" (from byte ", covered,
              ") belong to no tensor");
    covered = entry.end;
    previous = &name;
  }
  if (covered != data_bytes)
    invalid(path, "the last ", data_bytes - covered, " bytes of the ", data_bytes, "-byte data section belong to no tensor");

  void* data = const_cast<unsigned char*>(base) + 8 + header_bytes;
  file.mapping_ = Storage::wrap(data, static_cast<size_t>(data_bytes), Device::cpu(), std::move(mapping));
  return file;
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries_.find(name);
  HONE_CHECK(it != entries_.end(), "safetensors file '", path_, "' has no tensor named \"", name,
             "\" (it holds ", entries_.size(), " tensors; is this the right checkpoint?)");
  return it->second;
}

Tensor SafetensorsFile::get(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  Tensor view = Tensor::over(mapping_, e.begin, e.shape, e.dtype);
  // Files from other writers may place a tensor at an offset that is not a multiple of its element size;
  // kernels need aligned elements, so such a tensor is copied into a fresh (64-byte aligned) buffer.
  if (reinterpret_cast<uintptr_t>(view.raw_data()) % dtype_size(e.dtype) != 0) {
    Tensor copy = Tensor::empty(e.shape, e.dtype);
    std::memcpy(copy.raw_data(), view.raw_data(), e.end - e.begin);
    return copy;
  }
  return view;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const TensorMetadata& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json map = Json::object();
    for (const auto& [key, value] : metadata) map[key] = value;
    header[kMetadataKey] = std::move(map);
  }
  std::vector<Tensor> contiguous;
  contiguous.reserve(tensors.size());
  std::unordered_set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    HONE_CHECK(name != kMetadataKey, "cannot write safetensors file '", path, "': \"", kMetadataKey,
               "\" is reserved and cannot name a tensor");
    HONE_CHECK(names.insert(name).second, "cannot write safetensors file '", path, "': tensor name \"", name,
               "\" is used twice");
    HONE_CHECK(tensor.defined(), "cannot write safetensors file '", path, "': tensor \"", name, "\" is undefined");
    HONE_CHECK(tensor.device().is_cpu(), "cannot write safetensors file '", path, "': tensor \"", name, "\" is on ",
               tensor.device().str(), "; copy it to the CPU first");
    contiguous.push_back(tensor.is_contiguous() ? tensor : clone(tensor));
    const uint64_t nbytes = tensor.nbytes();
    header[name] = Json{{"dtype", std::string(dtype_name(tensor.dtype()))},
                        {"shape", tensor.shape()},
                        {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    fail("cannot write safetensors file '", path, "': a tensor name or metadata string is not valid UTF-8 (", e.what(), ")");
  }
  // Spaces pad the header so the data section starts 8-byte aligned, as the reference writer does.
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t header_bytes = text.size();

  TemporaryFile file(path);
  file.write(&header_bytes, 8);
  file.write(text.data(), text.size());
  for (const Tensor& t : contiguous) file.write(t.raw_data(), t.nbytes());
  file.commit();
}

}  // namespace hone
