#include "core/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace hone {
namespace {

namespace fs = std::filesystem;

TEST(Safetensors, BasicRoundTrip) {
  fs::path dir = fs::temp_directory_path() / ("hone_st_basic_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "t.safetensors").string();
  Tensor a = Tensor::empty({2, 3});
  for (int i = 0; i < 6; ++i) a.data<float>()[i] = 0.5f * i;
  write_safetensors(path, {{"a", a}}, {{"format", "pt"}});
  SafetensorsFile file = SafetensorsFile::open(path);
  Tensor b = file.get("a");
  EXPECT_EQ(b.shape(), (Shape{2, 3}));
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), 24), 0);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hone
