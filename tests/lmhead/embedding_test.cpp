#include <gtest/gtest.h>

#include <cstring>

#include "backend/elementwise.h"
#include "backend/embedding.h"
#include "core/threads.h"
#include "nn/embedding.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"
#include "support/torch_reference.h"

namespace hone {
namespace {

using testing::element;
using testing::max_relative_error;
using testing::random_ints;
using testing::random_tensor;

TEST(Embedding, RegistersHuggingFaceNameAndGathersRows) {
  ParameterStore store(DType::F32);
  Embedding wte(store, "transformer.wte", 10, 4);
  store.finalize();
  EXPECT_EQ(&store.get("transformer.wte.weight"), &wte.weight());
  copy(random_tensor({10, 4}, 1, DType::F32), wte.weight().value);
  Tensor ids = Tensor::empty({2, 3}, DType::I32);
  const int32_t values[] = {3, 0, 9, 3, 7, 1};
  std::memcpy(ids.data<int32_t>(), values, sizeof(values));
  Arena arena;
  Tensor out = wte.forward(arena, ids);
  ASSERT_EQ(out.shape(), (Shape{2, 3, 4}));
  for (int64_t i = 0; i < 6; ++i) {
    for (int64_t c = 0; c < 4; ++c) {
      EXPECT_EQ(element(out, i * 4 + c), element(wte.weight().value, values[i] * 4 + c)) << "position " << i;
    }
  }
}

TEST(Embedding, TableGradientMatchesFiniteDifferences) {
  ParameterStore store(DType::F64);
  Embedding emb(store, "shared", 6, 3);
  store.finalize();
  copy(random_tensor({6, 3}, 2), emb.weight().value);
  // Repeated ids (0 three times) and an unused row (5) exercise accumulation and zero rows.
  Tensor ids = Tensor::empty({2, 4}, DType::I32);
  const int32_t values[] = {0, 2, 0, 1, 4, 0, 3, 2};
  std::memcpy(ids.data<int32_t>(), values, sizeof(values));
  Tensor probe = random_tensor({2, 4, 3}, 3);
  Arena arena;
  emb.backward(ids, probe);
  double worst = testing::check_gradients(
      [&] {
        arena.reset();
        return testing::dot(emb.forward(arena, ids), probe);
      },
      {{"shared.weight", emb.weight().value, emb.weight().grad}});
  EXPECT_LT(worst, 1e-8);
  for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(element(emb.weight().grad, 5 * 3 + c), 0.0);
}

TEST(Embedding, BackwardAccumulates) {
  Tensor ids = random_ints({16}, 4, 5);
  Tensor dy = random_tensor({16, 8}, 5, DType::F32);
  Tensor once = Tensor::zeros({5, 8}), twice = Tensor::zeros({5, 8});
  embedding_backward(ids, dy, once);
  embedding_backward(ids, dy, twice);
  embedding_backward(ids, dy, twice);
  scale(once, 2.0);
  EXPECT_LT(max_relative_error(twice, once), 1e-6);
  EXPECT_GT(testing::max_abs(once), 0.5);
}

TEST(Embedding, BackwardIsBitIdenticalForAnyThreadCount) {
  // Large enough to run in parallel; a small vocabulary forces many positions per row, and a
  // skewed id distribution (half the ids are 0) makes order matter.
  Tensor ids = random_ints({8, 96}, 6, 50);
  for (int64_t i = 0; i < ids.numel(); i += 2) ids.data<int32_t>()[i] = 0;
  Tensor dy = random_tensor({8, 96, 256}, 7, DType::F32);
  const int saved = num_threads();
  std::vector<Tensor> grads;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    Tensor dtable = random_tensor({50, 256}, 8, DType::F32);  // accumulate onto a nonzero start
    embedding_backward(ids, dy, dtable);
    grads.push_back(dtable);
  }
  set_num_threads(saved);
  for (size_t k = 1; k < grads.size(); ++k) {
    EXPECT_EQ(std::memcmp(grads[0].raw_data(), grads[k].raw_data(), grads[0].nbytes()), 0) << "thread count #" << k;
  }
  // And the result is the per-row sum (checked on row 0 against a double-precision loop).
  double expected = element(random_tensor({50, 256}, 8, DType::F32), 5);
  for (int64_t i = 0; i < ids.numel(); ++i) {
    if (ids.data<int32_t>()[i] == 0) expected += element(dy, i * 256 + 5);
  }
  EXPECT_NEAR(element(grads[0], 5), expected, 1e-4);
}

TEST(Embedding, MatchesPyTorch) {
  Tensor table = random_tensor({40, 16}, 9, DType::F32);
  Tensor ids = random_ints({3, 21}, 10, 40);
  Tensor dy = random_tensor({3, 21, 16}, 11, DType::F32);
  auto ref = testing::torch_reference("lmhead", "embedding", {{"table", table}, {"ids", ids}, {"dy", dy}});
  Tensor out = Tensor::empty({3, 21, 16});
  embedding_forward(table, ids, out);
  Tensor dtable = Tensor::zeros({40, 16});
  embedding_backward(ids, dy, dtable);
  EXPECT_EQ(max_relative_error(out, ref.at("out")), 0.0);
  EXPECT_LT(max_relative_error(dtable, ref.at("dtable")), 1e-6);
}

TEST(Embedding, RejectsBadInput) {
  Tensor table = Tensor::zeros({5, 4});
  Tensor ids = Tensor::zeros({3}, DType::I32);
  Tensor out = Tensor::empty({3, 4});
  ids.data<int32_t>()[1] = 5;
  try {
    embedding_forward(table, ids, out);
    FAIL() << "expected an error for id 5 in a vocabulary of 5";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("token id 5 at position 1 is outside the vocabulary [0, 5)"), std::string::npos)
        << e.what();
  }
  ids.data<int32_t>()[1] = -1;
  EXPECT_THROW(embedding_forward(table, ids, out), Error);
  EXPECT_THROW(embedding_backward(ids, out, table), Error);
  ids.data<int32_t>()[1] = 2;
  EXPECT_THROW(embedding_forward(table, ids, Tensor::empty({3, 5})), Error);       // wrong width
  EXPECT_THROW(embedding_forward(table, ids, Tensor::empty({4, 4})), Error);       // wrong count
  EXPECT_THROW(embedding_forward(table, Tensor::zeros({3}, DType::I64), out), Error);  // ids must be I32
  EXPECT_THROW(embedding_backward(ids, Tensor::zeros({3, 4}, DType::F64), table), Error);  // mixed dtypes
  ParameterStore store;
  EXPECT_THROW(Embedding(store, "shared", 0, 4), Error);
}

}  // namespace
}  // namespace hone
