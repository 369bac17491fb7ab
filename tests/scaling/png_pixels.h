#pragma once
// Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium's screenshots are) into RGB pixels, with
// zlib for the inflate; enough for the report test to look at a screenshot.
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace hone::testing {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::array<uint8_t, 3>> pixels;  // row-major
  const std::array<uint8_t, 3>& at(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};

inline uint32_t png_be32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]; }

inline RgbImage read_png(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  static const uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  if (bytes.size() < 8 || !std::equal(signature, signature + 8, bytes.begin())) throw std::runtime_error(path + " is not a PNG");
  RgbImage image;
  int channels = 0;
  std::vector<uint8_t> compressed;
  for (size_t at = 8; at + 12 <= bytes.size();) {
    const uint32_t length = png_be32(&bytes[at]);
    const std::string type(bytes.begin() + at + 4, bytes.begin() + at + 8);
    const uint8_t* data = &bytes[at + 8];
    if (type == "IHDR") {
      image.width = static_cast<int>(png_be32(data));
      image.height = static_cast<int>(png_be32(data + 4));
      if (data[8] != 8 || data[12] != 0 || (data[9] != 2 && data[9] != 6))
        throw std::runtime_error("only 8-bit non-interlaced RGB/RGBA PNGs are supported");
      channels = data[9] == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      compressed.insert(compressed.end(), data, data + length);
    }
    at += 12 + length;
  }
  const size_t stride = static_cast<size_t>(image.width) * channels;
  std::vector<uint8_t> raw((stride + 1) * image.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, compressed.data(), compressed.size()) != Z_OK || raw_size != raw.size())
    throw std::runtime_error("cannot inflate " + path);
  // Undo the per-row filters (PNG spec: None, Sub, Up, Average, Paeth).
  std::vector<uint8_t> previous(stride, 0), row(stride);
  image.pixels.resize(static_cast<size_t>(image.width) * image.height);
  for (int y = 0; y < image.height; ++y) {
    const uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<size_t>(channels) ? row[i - channels] : 0, b = previous[i],
                c = i >= static_cast<size_t>(channels) ? previous[i - channels] : 0;
      int predictor = 0;
      switch (filter) {
        case 1: predictor = a; break;
        case 2: predictor = b; break;
        case 3: predictor = (a + b) / 2; break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
          break;
        }
        default: break;
      }
      row[i] = static_cast<uint8_t>(in[i] + predictor);
    }
    for (int x = 0; x < image.width; ++x)
      image.pixels[static_cast<size_t>(y) * image.width + x] = {row[x * channels], row[x * channels + 1], row[x * channels + 2]};
    previous = row;
  }
  return image;
}

}  // namespace hone::testing
