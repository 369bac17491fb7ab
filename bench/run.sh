#!/usr/bin/env bash
# make bench: hone's benchmarks side by side with PyTorch eager (Debian's python3-torch, which uses the
# same OpenMP OpenBLAS after scripts/setup.sh) at the same thread count, in one run.
set -euo pipefail
build=${1:-build}
threads=${BENCH_THREADS:-$(nproc)}
export HONE_THREADS=$threads OMP_NUM_THREADS=$threads
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "threads: $threads; BLAS: $(/usr/bin/python3 -c 'import torch; print(torch.__config__.show().count("BLAS"))' >/dev/null 2>&1 && readlink -f /usr/lib/$(gcc -print-multiarch)/libblas.so.3)"
echo
echo "== per-layer forward+backward (d_model 512, 8 heads, seq 512, batch 4)"
"$build/bench/layers_bench" > "$out/hone.jsonl"
/usr/bin/python3 bench/torch_layers.py > "$out/torch.jsonl"
/usr/bin/python3 bench/compare.py "$out/hone.jsonl" "$out/torch.jsonl"
