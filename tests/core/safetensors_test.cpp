// The safetensors reader and writer: exact round trips, byte compatibility with the format as the
// reference library lays it out, one clear error per malformed input, robustness against random
// corruption (run under ASan/UBSan by `make test-asan`), and atomic writes.
#include "core/safetensors.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/rng.h"

namespace hone {
namespace {

// A fresh directory removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/hone_safetensors_XXXXXX";
    HONE_CHECK(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    DIR* dir = ::opendir(path_.c_str());
    while (dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string u64_le(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return s;
}

// A file laid out by hand: length prefix, header text exactly as given, data.
std::string raw_file(const std::string& header, const std::string& data = "") {
  return u64_le(header.size()) + header + data;
}

// A tensor whose bytes are a seeded pseudo-random pattern (any dtype; bit patterns, not values).
Tensor patterned(const Shape& shape, DType dtype, uint64_t seed) {
  Tensor t = Tensor::empty(shape, dtype);
  auto* bytes = static_cast<uint8_t*>(t.raw_data());
  for (size_t i = 0; i < t.nbytes(); ++i) bytes[i] = static_cast<uint8_t>(random_u32(seed, 0, i));
  if (dtype == DType::Bool)
    for (size_t i = 0; i < t.nbytes(); ++i) bytes[i] &= 1;
  return t;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

constexpr DType kAllDTypes[] = {DType::F64,  DType::F32, DType::F16, DType::BF16, DType::F8_E4M3,
                                DType::F8_E5M2, DType::I64, DType::I32, DType::I16,  DType::I8,
                                DType::U64,  DType::U32, DType::U16, DType::U8,   DType::Bool};

TEST(Safetensors, RoundTripsEveryDTypeExactly) {
  TempDir dir;
  std::vector<std::pair<std::string, Tensor>> tensors;
  uint64_t seed = 1;
  for (DType dtype : kAllDTypes) {
    // Odd sizes so that later tensors start at offsets that are not multiples of 8.
    tensors.emplace_back("t." + std::string(dtype_name(dtype)), patterned({3, 5}, dtype, seed++));
  }
  write_safetensors(dir.file("all.safetensors"), tensors);
  SafetensorsFile file = SafetensorsFile::open(dir.file("all.safetensors"));
  ASSERT_EQ(file.names().size(), tensors.size());
  size_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, original] = tensors[i];
    EXPECT_EQ(file.names()[i], name);  // data laid out in the order given
    const SafetensorsEntry& entry = file.entry(name);
    EXPECT_EQ(entry.dtype, original.dtype());
    EXPECT_EQ(entry.begin, offset);
    EXPECT_EQ(entry.end, offset + original.nbytes());
    offset = entry.end;
    Tensor loaded = file.get(name);
    EXPECT_EQ(loaded.dtype(), original.dtype()) << name;
    EXPECT_EQ(loaded.shape(), original.shape()) << name;
    EXPECT_TRUE(loaded.is_contiguous());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(loaded.raw_data()) % dtype_size(loaded.dtype()), 0u) << name;
    EXPECT_TRUE(same_bytes(loaded, original)) << name;
  }
  EXPECT_TRUE(file.metadata().empty());
  EXPECT_FALSE(file.contains("missing"));
  EXPECT_THROW(file.get("missing"), Error);
  EXPECT_THROW(file.entry("missing"), Error);
}

TEST(Safetensors, HeaderIsPaddedSoDataStartsEightByteAligned) {
  TempDir dir;
  for (int name_length = 1; name_length <= 9; ++name_length) {
    std::string path = dir.file("pad.safetensors");
    write_safetensors(path, {{std::string(name_length, 'x'), patterned({1}, DType::U8, 3)}});
    std::string bytes = read_bytes(path);
    uint64_t header_bytes;
    std::memcpy(&header_bytes, bytes.data(), 8);
    EXPECT_EQ(header_bytes % 8, 0u);
    EXPECT_EQ(bytes.size(), 8 + header_bytes + 1);
    std::string header = bytes.substr(8, header_bytes);
    EXPECT_EQ(header.substr(header.find_last_of('}') + 1), std::string(header.size() - header.find_last_of('}') - 1, ' '));
  }
}

TEST(Safetensors, MetadataRoundTrips) {
  TempDir dir;
  TensorMetadata metadata = {{"format", "pt"}, {"quote\"and\\slash", "line\nbreak\ttab"}, {"unicode", "h\xC3\xA9llo \xE2\x9C\x93"}, {"empty", ""}};
  write_safetensors(dir.file("m.safetensors"), {{"w", patterned({2}, DType::F32, 4)}}, metadata);
  SafetensorsFile file = SafetensorsFile::open(dir.file("m.safetensors"));
  EXPECT_EQ(file.metadata(), metadata);
  // Metadata alone, no tensors at all, is a valid file too.
  write_safetensors(dir.file("only.safetensors"), {}, metadata);
  SafetensorsFile only = SafetensorsFile::open(dir.file("only.safetensors"));
  EXPECT_TRUE(only.names().empty());
  EXPECT_EQ(only.metadata(), metadata);
}

TEST(Safetensors, EmptyAndScalarTensors) {
  TempDir dir;
  Tensor scalar = Tensor::empty({}, DType::F32);
  scalar.data<float>()[0] = 2.5f;
  Tensor empty_row = Tensor::empty({0}, DType::F32);
  Tensor empty_block = Tensor::empty({2, 0, 3}, DType::I64);
  Tensor after = patterned({4}, DType::I16, 5);
  write_safetensors(dir.file("e.safetensors"),
                    {{"empty_row", empty_row}, {"scalar", scalar}, {"empty_block", empty_block}, {"after", after}});
  SafetensorsFile file = SafetensorsFile::open(dir.file("e.safetensors"));
  EXPECT_EQ(file.names(), (std::vector<std::string>{"empty_row", "scalar", "empty_block", "after"}));
  Tensor s = file.get("scalar");
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.data<float>()[0], 2.5f);
  EXPECT_EQ(file.get("empty_row").shape(), Shape{0});
  EXPECT_EQ(file.get("empty_block").shape(), (Shape{2, 0, 3}));
  EXPECT_EQ(file.get("empty_block").numel(), 0);
  EXPECT_EQ(file.entry("empty_block").begin, 4u);
  EXPECT_EQ(file.entry("empty_block").end, 4u);
  EXPECT_TRUE(same_bytes(file.get("after"), after));

  // Only zero-size tensors: an empty data section.
  write_safetensors(dir.file("z.safetensors"), {{"a", empty_row}, {"b", empty_block}});
  SafetensorsFile zero = SafetensorsFile::open(dir.file("z.safetensors"));
  EXPECT_EQ(zero.get("a").numel(), 0);
  EXPECT_EQ(zero.get("b").numel(), 0);
}

TEST(Safetensors, NonContiguousTensorsAreWrittenContiguous) {
  TempDir dir;
  Tensor matrix = Tensor::empty({3, 4}, DType::F32);
  for (int i = 0; i < 12; ++i) matrix.data<float>()[i] = static_cast<float>(i);
  Tensor transposed = matrix.transpose(0, 1);  // [4, 3]
  Tensor bytes = patterned({6, 5}, DType::I8, 6);
  Tensor column_slice = bytes.slice(1, 1, 4);  // [6, 3], rows strided by 5
  ASSERT_FALSE(transposed.is_contiguous());
  ASSERT_FALSE(column_slice.is_contiguous());
  write_safetensors(dir.file("nc.safetensors"), {{"t", transposed}, {"s", column_slice}});
  SafetensorsFile file = SafetensorsFile::open(dir.file("nc.safetensors"));
  Tensor t = file.get("t");
  ASSERT_EQ(t.shape(), (Shape{4, 3}));
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(t.data<float>()[r * 3 + c], static_cast<float>(c * 4 + r));
  Tensor s = file.get("s");
  ASSERT_EQ(s.shape(), (Shape{6, 3}));
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(s.data<int8_t>()[r * 3 + c], bytes.data<int8_t>()[r * 5 + c + 1]);
  EXPECT_EQ(file.entry("s").end - file.entry("s").begin, 18u);
}

TEST(Safetensors, ViewsAreZeroCopyAndOutliveTheFileObject) {
  TempDir dir;
  std::string path = dir.file("v.safetensors");
  Tensor original = patterned({64}, DType::F32, 7);
  write_safetensors(path, {{"a", patterned({16}, DType::F32, 8)}, {"b", original}});
  Tensor view;
  {
    SafetensorsFile file = SafetensorsFile::open(path);
    Tensor first = file.get("b");
    Tensor second = file.get("b");
    EXPECT_EQ(first.raw_data(), second.raw_data());  // both view the mapping, no copies
    EXPECT_EQ(static_cast<char*>(file.get("b").raw_data()) - static_cast<char*>(file.get("a").raw_data()), 64);
    view = first;
  }
  // The file object is gone and the file is replaced on disk; the mapping lives on in the view.
  write_safetensors(path, {{"b", patterned({64}, DType::F32, 9)}});
  ::unlink(path.c_str());
  EXPECT_TRUE(same_bytes(view, original));
  // Writing through a view changes neither the file nor other mappings (private copy on write).
  write_safetensors(path, {{"b", original}});
  SafetensorsFile file = SafetensorsFile::open(path);
  Tensor writable = file.get("b");
  writable.data<float>()[0] = 1234.5f;
  EXPECT_TRUE(same_bytes(SafetensorsFile::open(path).get("b"), original));
}

// A file built byte by byte from the specification, as the reference (Rust/Python) library writes it:
// compact JSON, "__metadata__" first, tensor fields in the order dtype, shape, data_offsets, spaces up to
// an 8-byte boundary. (The reference orders tensors by alignment then name; these are already in that order.)
TEST(Safetensors, MatchesHandLaidOutFileByteForByte) {
  TempDir dir;
  Tensor weight = Tensor::empty({2, 2}, DType::F32);
  const float values[4] = {1.0f, -2.0f, 0.5f, 3.25f};
  std::memcpy(weight.raw_data(), values, sizeof(values));
  Tensor ids = Tensor::empty({3}, DType::I8);
  const int8_t id_values[3] = {-1, 0, 7};
  std::memcpy(ids.raw_data(), id_values, 3);

  std::string header =
      R"({"__metadata__":{"format":"pt"},"model.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("ids":{"dtype":"I8","shape":[3],"data_offsets":[16,19]}})";
  ASSERT_EQ(header.size(), 155u);
  header += std::string(5, ' ');  // 155 -> 160 = 20 * 8
  std::string expected = u64_le(160) + header + std::string(reinterpret_cast<const char*>(values), 16) +
                         std::string(reinterpret_cast<const char*>(id_values), 3);

  write_safetensors(dir.file("ours.safetensors"), {{"model.weight", weight}, {"ids", ids}}, {{"format", "pt"}});
  EXPECT_EQ(read_bytes(dir.file("ours.safetensors")), expected);

  // And the hand-made file reads back.
  write_bytes(dir.file("hand.safetensors"), expected);
  SafetensorsFile file = SafetensorsFile::open(dir.file("hand.safetensors"));
  EXPECT_TRUE(same_bytes(file.get("model.weight"), weight));
  EXPECT_TRUE(same_bytes(file.get("ids"), ids));
  EXPECT_EQ(file.metadata().at("format"), "pt");
}

TEST(Safetensors, ReadsFilesFromOtherWritersWithUnalignedData) {
  TempDir dir;
  // No header padding (allowed by the format) and an I8 before an F32: the F32 starts at an odd address.
  const float values[2] = {1.5f, -7.0f};
  std::string header = R"({"b":{"dtype":"I8","shape":[1],"data_offsets":[0,1]},"f":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}})";
  std::string data = std::string(1, '\x05') + std::string(reinterpret_cast<const char*>(values), 8);
  write_bytes(dir.file("u.safetensors"), raw_file(header, data));
  SafetensorsFile file = SafetensorsFile::open(dir.file("u.safetensors"));
  Tensor f = file.get("f");  // copied into an aligned buffer
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f.raw_data()) % 64, 0u);
  EXPECT_EQ(f.data<float>()[0], 1.5f);
  EXPECT_EQ(f.data<float>()[1], -7.0f);
  EXPECT_EQ(file.get("b").data<int8_t>()[0], 5);
  // Extra whitespace and unknown fields are accepted, as by the reference implementation.
  std::string spaced = " {\n \"x\" : { \"data_offsets\" : [0, 2], \"shape\" : [2], \"dtype\" : \"U8\", \"extra\": 1 } }  ";
  write_bytes(dir.file("s.safetensors"), raw_file(spaced, "ab"));
  EXPECT_EQ(SafetensorsFile::open(dir.file("s.safetensors")).get("x").data<uint8_t>()[1], 'b');
}

// Names tensors by their header position: offsets order, not header order, decides names().
TEST(Safetensors, NamesFollowDataOffsets) {
  TempDir dir;
  std::string header = R"({"second":{"dtype":"U8","shape":[2],"data_offsets":[1,3]},"first":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  write_bytes(dir.file("o.safetensors"), raw_file(header, "xyz"));
  SafetensorsFile file = SafetensorsFile::open(dir.file("o.safetensors"));
  EXPECT_EQ(file.names(), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(file.get("second").data<uint8_t>()[0], 'y');
}

// Expects open() to throw one hone::Error that names the file and contains `problem`.
void expect_invalid(const std::string& bytes, const std::string& problem) {
  TempDir dir;
  std::string path = dir.file("bad.safetensors");
  write_bytes(path, bytes);
  try {
    SafetensorsFile::open(path);
    ADD_FAILURE() << "accepted a malformed file; expected: " << problem;
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << "expected \"" << problem << "\" in: " << message;
  }
}

std::string tensor_json(const std::string& dtype, const std::string& shape, const std::string& offsets) {
  return R"({"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}";
}

TEST(SafetensorsMalformed, FileTooShortOrHeaderLengthWrong) {
  expect_invalid("", "0 bytes long");
  expect_invalid(std::string("\x02\0\0\0\0\0\0", 7), "7 bytes long");
  expect_invalid(u64_le(3) + "{}", "runs past the end");
  expect_invalid(u64_le(100'000'001) + "{}", "larger than");
  expect_invalid(u64_le(UINT64_MAX) + "{}", "larger than");
  TempDir dir;
  EXPECT_THROW(SafetensorsFile::open(dir.file("does_not_exist")), Error);
  EXPECT_THROW(SafetensorsFile::open(dir.path()), Error);  // a directory
}

TEST(SafetensorsMalformed, HeaderNotUtf8NotJsonNotObject) {
  expect_invalid(raw_file("{\"\xFF\":1}"), "not valid UTF-8");
  expect_invalid(raw_file("{\"\xC0\xAF\":1}"), "not valid UTF-8");      // overlong '/'
  expect_invalid(raw_file("{\"\xED\xA0\x80\":1}"), "not valid UTF-8");  // surrogate
  expect_invalid(raw_file("{\"\xF4\x90\x80\x80\":1}"), "not valid UTF-8");  // above U+10FFFF
  expect_invalid(raw_file("{\"\xE2\x9C\":1}"), "not valid UTF-8");      // truncated sequence
  expect_invalid(raw_file(R"({"a":)"), "not valid JSON");
  expect_invalid(raw_file(""), "not valid JSON");
  expect_invalid(raw_file(R"({"a":1} x)"), "not valid JSON");
  expect_invalid(raw_file("[1,2]"), "not an object");
  expect_invalid(raw_file("\"text\""), "not an object");
  expect_invalid(raw_file("null"), "not an object");
}

TEST(SafetensorsMalformed, EntriesWithMissingOrMistypedFields) {
  expect_invalid(raw_file(R"({"a":5})"), "tensor \"a\" is not an object");
  expect_invalid(raw_file(R"({"a":{"shape":[1],"data_offsets":[0,1]}})", "x"), "has no \"dtype\"");
  expect_invalid(raw_file(R"({"a":{"dtype":"U8","data_offsets":[0,1]}})", "x"), "has no \"shape\"");
  expect_invalid(raw_file(R"({"a":{"dtype":"U8","shape":[1]}})", "x"), "has no \"data_offsets\"");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("F31", "[1]", "[0,1]") + "}", "x"), "unknown dtype \"F31\"");
  expect_invalid(raw_file(R"({"a":{"dtype":5,"shape":[1],"data_offsets":[0,1]}})", "x"), "\"dtype\" is not a string");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "\"1\"", "[0,1]") + "}", "x"), "\"shape\" is not an array");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[-1]", "[0,1]") + "}", "x"), "not a non-negative integer");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1.5]", "[0,1]") + "}", "x"), "not a non-negative integer");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1.0]", "[0,1]") + "}", "x"), "not a non-negative integer");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[\"1\"]", "[0,1]") + "}", "x"), "not a non-negative integer");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[18446744073709551616]", "[0,1]") + "}", "x"),
                 "not a non-negative integer");
}

TEST(SafetensorsMalformed, ShapeProductOverflow) {
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[4294967296,4294967296]", "[0,1]") + "}", "x"),
                 "more elements than fit in 64 bits");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[9223372036854775808]", "[0,1]") + "}", "x"),
                 "more elements than fit in 64 bits");
  // Fits as an element count but not as bytes.
  expect_invalid(raw_file(R"({"a":)" + tensor_json("F64", "[2305843009213693952]", "[0,1]") + "}", "x"),
                 "too large to store");
  // A zero dimension makes the product 0 even after huge ones.
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[4294967296,4294967296,0]", "[0,1]") + "}", "x"),
                 "more elements than fit in 64 bits");
}

TEST(SafetensorsMalformed, BadDataOffsets) {
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "[0]") + "}", "x"), "not a pair");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "[0,1,2]") + "}", "x"), "not a pair");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "[-1,0]") + "}", "x"), "not a pair");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "[0.0,1]") + "}", "x"), "not a pair");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "{}") + "}", "x"), "not a pair");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[0]", "[1,0]") + "}", "x"), "end before they begin");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[4]", "[0,4]") + "}", "xyz"), "run past the 3-byte data section");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "[0,18446744073709551615]") + "}", "x"), "run past");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("F32", "[2]", "[0,4]") + "}", "xxxx"), "hold 4 bytes but F32[2] needs 8");
}

TEST(SafetensorsMalformed, OverlapsGapsAndTrailingBytes) {
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[2]", "[0,2]") + R"(,"b":)" + tensor_json("U8", "[2]", "[1,3]") + "}", "xyz"),
                 "tensor \"b\" overlaps tensor \"a\"");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[2]", "[0,2]") + R"(,"b":)" + tensor_json("U8", "[2]", "[0,2]") + "}", "xy"),
                 "overlaps");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "[0,1]") + R"(,"b":)" + tensor_json("U8", "[1]", "[2,3]") + "}", "xyz"),
                 "the 1 bytes before tensor \"b\" (from byte 1) belong to no tensor");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "[1,2]") + "}", "xy"), "belong to no tensor");
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "[0,1]") + "}", "xyz"),
                 "the last 2 bytes of the 3-byte data section belong to no tensor");
  expect_invalid(raw_file("{}", "x"), "the last 1 bytes");
}

TEST(SafetensorsMalformed, DuplicateNamesAndBadMetadata) {
  expect_invalid(raw_file(R"({"a":)" + tensor_json("U8", "[1]", "[0,1]") + R"(,"a":)" + tensor_json("U8", "[1]", "[1,2]") + "}", "xy"),
                 "the key \"a\" more than once");
  expect_invalid(raw_file(R"({"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "x"), "the key \"dtype\" more than once");
  expect_invalid(raw_file(R"({"__metadata__":[]})"), "\"__metadata__\" is not an object");
  expect_invalid(raw_file(R"({"__metadata__":"x"})"), "\"__metadata__\" is not an object");
  expect_invalid(raw_file(R"({"__metadata__":{"k":1}})"), "value of \"k\" is not a string");
  expect_invalid(raw_file(R"({"__metadata__":{"k":{"nested":"x"}}})"), "value of \"k\" is not a string");
}

// Random damage to a valid file: every open either succeeds (and every tensor can be read in full) or
// throws hone::Error. Under `make test-asan` any out-of-bounds read or UB fails the run.
TEST(SafetensorsMalformed, SeededMutationsNeverCrash) {
  TempDir dir;
  std::string source = dir.file("source.safetensors");
  write_safetensors(source,
                    {{"w", patterned({3, 4}, DType::F32, 11)},
                     {"ids", patterned({5}, DType::I8, 12)},
                     {"h", patterned({2, 3}, DType::BF16, 13)},
                     {"scalar", patterned({}, DType::F64, 14)},
                     {"none", patterned({0, 2}, DType::I32, 15)}},
                    {{"format", "pt"}});
  const std::string valid = read_bytes(source);
  std::string path = dir.file("mutant.safetensors");
  constexpr uint64_t kSeed = 2024;
  int opened = 0, rejected = 0;
  for (uint64_t trial = 0; trial < 4000; ++trial) {
    auto draw = [&, counter = uint64_t{0}]() mutable { return random_u32(kSeed, trial, counter++); };
    std::string bytes = valid;
    int mutations = 1 + static_cast<int>(draw() % 3);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      // Most damage goes to the length prefix and header, where parsing happens.
      size_t header_end = std::min(bytes.size(), static_cast<size_t>(8 + valid.size() / 2));
      size_t position = (draw() % 4 != 0) ? draw() % header_end : draw() % bytes.size();
      switch (draw() % 5) {
        case 0: bytes[position] = static_cast<char>(bytes[position] ^ (1u << (draw() % 8))); break;
        case 1: bytes[position] = static_cast<char>(draw()); break;
        case 2: bytes.resize(draw() % bytes.size()); break;
        case 3: bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(position), static_cast<char>(draw())); break;
        case 4: bytes.erase(position, 1 + draw() % 4); break;
      }
    }
    ::unlink(path.c_str());  // a fresh file: truncating in place makes ext4 flush to disk every time
    write_bytes(path, bytes);
    try {
      SafetensorsFile file = SafetensorsFile::open(path);
      uint64_t checksum = 0;
      for (const auto& name : file.names()) {
        Tensor t = file.get(name);
        const auto* p = static_cast<const uint8_t*>(t.raw_data());
        for (size_t i = 0; i < t.nbytes(); ++i) checksum += p[i];
      }
      (void)checksum;
      ++opened;
    } catch (const Error&) {
      ++rejected;
    }
  }
  RecordProperty("opened", opened);
  RecordProperty("rejected", rejected);
  // Both outcomes occur: the loop really exercises accepting and rejecting paths.
  EXPECT_GT(opened, 0);
  EXPECT_GT(rejected, 3000);
}

TEST(SafetensorsWrite, RejectsBadInputBeforeTouchingTheDisk) {
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  Tensor t = patterned({2}, DType::F32, 20);
  EXPECT_THROW(write_safetensors(path, {{"a", t}, {"a", t}}), Error);
  EXPECT_THROW(write_safetensors(path, {{"__metadata__", t}}), Error);
  EXPECT_THROW(write_safetensors(path, {{"a", Tensor()}}), Error);
  EXPECT_THROW(write_safetensors(path, {{"bad\xFFname", t}}), Error);
  EXPECT_THROW(write_safetensors(path, {{"a", t}}, {{"k", "bad\xC0"}}), Error);
  EXPECT_TRUE(dir.entries().empty());
}

TEST(SafetensorsWrite, MissingDirectoryGivesClearErrorAndNoFile) {
  TempDir dir;
  std::string path = dir.file("no_such_dir/w.safetensors");
  try {
    write_safetensors(path, {{"a", patterned({2}, DType::F32, 21)}});
    ADD_FAILURE() << "write into a missing directory succeeded";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(std::strerror(ENOENT)), std::string::npos) << message;
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(SafetensorsWrite, ReplacesAnExistingFileWithPlainPermissions) {
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  mode_t previous_umask = ::umask(022);
  write_safetensors(path, {{"a", patterned({2}, DType::F32, 22)}});
  Tensor second = patterned({3}, DType::U16, 23);
  write_safetensors(path, {{"b", second}});
  ::umask(previous_umask);
  SafetensorsFile file = SafetensorsFile::open(path);
  EXPECT_FALSE(file.contains("a"));
  EXPECT_TRUE(same_bytes(file.get("b"), second));
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"w.safetensors"});
}

TEST(SafetensorsWrite, FailedWriteLeavesPreviousFileAndNoTemporary) {
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  write_safetensors(path, {{"a", patterned({8}, DType::F32, 24)}});
  const std::string before = read_bytes(path);

  // Simulate a full disk: a file-size limit makes write() fail with EFBIG once the file reaches it.
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    write_safetensors(path, {{"big", patterned({1 << 16}, DType::F32, 25)}});
  } catch (const Error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);

  EXPECT_NE(message.find(path), std::string::npos) << "no error naming the file: " << message;
  EXPECT_NE(message.find(std::strerror(EFBIG)), std::string::npos) << message;
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"w.safetensors"});
}

TEST(SafetensorsWrite, ReadOnlyDirectoryLeavesPreviousFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  write_safetensors(path, {{"a", patterned({8}, DType::F32, 26)}});
  const std::string before = read_bytes(path);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);
  EXPECT_THROW(write_safetensors(path, {{"b", patterned({8}, DType::F32, 27)}}), Error);
  ::chmod(dir.path().c_str(), 0755);
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"w.safetensors"});
}

}  // namespace
}  // namespace hone
