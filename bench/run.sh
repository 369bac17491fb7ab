#!/usr/bin/env bash
# make bench: hone's layer benchmarks side by side with PyTorch eager (Debian's python3-torch, which
# uses the same OpenMP OpenBLAS after scripts/setup.sh) at the same thread count, in one run. The two
# alternate case by case so that load from other processes hits both alike.
# Then the curation benchmarks (issue 6), one core each.
set -euo pipefail
build=${1:-build}
threads=${BENCH_THREADS:-$(nproc)}
export HONE_THREADS=$threads OMP_NUM_THREADS=$threads
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

blas=$(readlink -f "/usr/lib/$(gcc -print-multiarch)/libblas.so.3")
echo "threads: $threads; PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') eager with $blas; hone $("$build/hone" --version)"
echo "== per-layer forward+backward, d_model 512, 8 heads, seq 512, batch 4 (median of ${BENCH_REPEATS:-7})"
"$build/bench/layers_bench" --list | while IFS= read -r name; do
  "$build/bench/layers_bench" "$name" >> "$out/hone.jsonl"
  /usr/bin/python3 bench/torch_layers.py "$name" >> "$out/torch.jsonl"
done
/usr/bin/python3 bench/compare.py "$out/hone.jsonl" "$out/torch.jsonl"
echo "== generation: KV cache vs recomputing the prefix, 256 new tokens, batch 4"
"$build/bench/generation_bench"

# End-to-end training. Waiting OpenMP threads sleep (passive) unless the caller says otherwise: on a
# machine with other work, spinning threads steal the cores the busy ones need (docs/engine.md). Each
# pair runs BENCH_ROUNDS times, alternating, and compare_train.py keeps each side's best round.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
echo "== end-to-end training steps (forward, backward, AdamW, zero grads), ${BENCH_WARMUP:-2} warm-up + ${BENCH_STEPS:-5} timed steps, best of ${BENCH_ROUNDS:-2} rounds, OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
for round in $(seq "${BENCH_ROUNDS:-2}"); do
  "$build/bench/train_throughput_bench" --list | while IFS= read -r name; do
    "$build/bench/train_throughput_bench" "$name" >> "$out/hone_train.jsonl"
    /usr/bin/python3 bench/torch_train.py "$name" >> "$out/torch_train.jsonl"
  done
  # The memory / time trade-off of the recomputation levels on the Llama d512 case.
  for level in activations layer; do
    "$build/bench/train_throughput_bench" "llama d512" --recompute "$level" >> "$out/hone_train.jsonl"
  done
done
/usr/bin/python3 bench/compare_train.py "$out/hone_train.jsonl" "$out/torch_train.jsonl"
echo "== curation (issue 6), one core: the whole pipeline on Debian HTML docs, then each heavy stage alone"
echo "   targets: extraction >= 200 docs/s; filters >= 20 MB/s; MinHash >= 1 MB/s at 9000 hashes, >= 10 at 112; exact dedup >= 20 MB/s"
"$build/bench/curate_pipeline_bench"
"$build/bench/html_extract_bench"
"$build/bench/curate_filters_bench" 32
"$build/bench/minhash_bench"
"$build/bench/exact_dedup_bench" 64
