#pragma once
// How much of the forward pass a model keeps for backward; the rest is recomputed there. Every level
// gives bit-identical losses and gradients (the same kernels rerun on the same inputs); they differ in
// the activation arena's high-water mark and in time.
//   None:        keep every activation the layers' backward passes read.
//   Activations: drop the cheap ones (norm outputs, the FFN's activation output) and recompute them from
//                the kept norm inputs and FFN pre-activations: elementwise work, no GEMM.
//   Layer:       keep only each block's input; rerun the block's forward just before its backward
//                (one extra forward pass per step, the memory of one block instead of all).
namespace hone {

enum class Recompute { None, Activations, Layer };

}  // namespace hone
