// The activation arena: a measuring first step, then a single buffer and no allocations.
#include "core/arena.h"

#include <gtest/gtest.h>

namespace hone {
namespace {

// One "training step" worth of activations.
std::vector<Tensor> step(Arena& arena) {
  return {arena.alloc({3, 5}), arena.alloc({7}, DType::F64), arena.zeros({2, 2}, DType::BF16), arena.alloc({0})};
}

TEST(Arena, MeasuresThenRunsWithoutAllocating) {
  Arena arena;
  std::vector<Tensor> first = step(arena);
  EXPECT_EQ(arena.capacity(), 0u);
  EXPECT_EQ(arena.fallback_allocations(), 4u);
  // Each block is rounded to 64 bytes: 60 -> 64, 56 -> 64, 8 -> 64, 0 -> 0.
  EXPECT_EQ(arena.peak(), 192u);
  EXPECT_EQ(arena.used(), 192u);
  arena.reset();
  EXPECT_EQ(arena.capacity(), 192u);
  EXPECT_EQ(arena.used(), 0u);

  for (int repeat = 0; repeat < 3; ++repeat) {
    std::vector<Tensor> tensors = step(arena);
    EXPECT_EQ(arena.fallback_allocations(), 0u);
    const char* base = static_cast<const char*>(tensors[0].storage()->data());
    EXPECT_EQ(tensors[0].storage()->nbytes(), 192u);
    for (size_t i = 0; i < tensors.size(); ++i) {
      EXPECT_EQ(tensors[i].storage(), tensors[0].storage());  // all inside the one buffer
      EXPECT_EQ(tensors[i].byte_offset() % kAlignment, 0u);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(tensors[i].raw_data()) % kAlignment, 0u);
    }
    EXPECT_EQ(static_cast<const char*>(tensors[1].raw_data()) - base, 64);
    EXPECT_EQ(static_cast<const char*>(tensors[2].raw_data()) - base, 128);
    const auto* z = static_cast<const uint16_t*>(tensors[2].raw_data());
    for (int i = 0; i < 4; ++i) EXPECT_EQ(z[i], 0);
    EXPECT_EQ(tensors[1].shape(), Shape{7});
    EXPECT_EQ(tensors[1].dtype(), DType::F64);
    arena.reset();
    EXPECT_EQ(arena.capacity(), 192u);  // steady state: the buffer is not reallocated
  }
}

TEST(Arena, ZerosClearsReusedMemory) {
  Arena arena;
  arena.alloc({16});
  arena.reset();
  Tensor dirty = arena.alloc({16});
  for (int i = 0; i < 16; ++i) dirty.data<float>()[i] = 3.0f;
  arena.reset();
  Tensor clean = arena.zeros({16});
  EXPECT_EQ(clean.raw_data(), dirty.raw_data());
  for (int i = 0; i < 16; ++i) EXPECT_EQ(clean.data<float>()[i], 0.0f);
}

TEST(Arena, GrowsWhenUnfrozenAndFailsWhenFrozen) {
  Arena arena;
  arena.alloc({16});
  arena.reset();
  // A bigger step before freezing falls back, and the next reset grows the buffer.
  arena.alloc({16});
  arena.alloc({16});
  EXPECT_EQ(arena.fallback_allocations(), 1u);
  arena.reset();
  EXPECT_EQ(arena.capacity(), 128u);
  arena.freeze();
  arena.alloc({32});  // fits exactly
  EXPECT_THROW(arena.alloc({1}), Error);
  EXPECT_EQ(arena.used(), 128u);  // the failed allocation changed nothing
  arena.reset();
  EXPECT_EQ(arena.capacity(), 128u) << "a frozen arena must not grow";
  EXPECT_NO_THROW(arena.alloc({32}));
  EXPECT_EQ(arena.fallback_allocations(), 0u);
}

TEST(ArenaSet, OneArenaPerShapeKey) {
  ArenaSet arenas;
  Arena& small = arenas.for_shape("b8_s128");
  Arena& large = arenas.for_shape("b8_s512");
  EXPECT_NE(&small, &large);
  EXPECT_EQ(&arenas.for_shape("b8_s128"), &small);
  small.alloc({16});  // 64 bytes
  small.reset();
  large.alloc({64});  // 256 bytes
  large.reset();
  EXPECT_EQ(arenas.total_capacity(), 320u);
}

}  // namespace
}  // namespace hone
