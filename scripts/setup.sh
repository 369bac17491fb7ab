#!/usr/bin/env bash
# Installs the Debian packages hone needs, only those that are missing. Idempotent.
# Works as root on a fresh Debian 12 machine, or through sudo otherwise.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libopenblas0-openmp libopenblas-openmp-dev   # GEMM; the OpenMP build shares our thread pool
  libgtest-dev libgmock-dev libbenchmark-dev   # tests and benchmarks
  libcli11-dev nlohmann-json3-dev              # CLI and JSON
  libceres-dev                                 # L-BFGS for scaling-law fits
  libsentencepiece-dev libzstd-dev zlib1g-dev  # tokenizer, compressed JSONL
  libxxhash-dev                                # MinHash shingle hashes
  libsqlite3-dev                               # the run registry
  chromium                                     # test-time: renders the scaling report
  libpsl-dev libcld2-dev libfasttext-dev       # URL registered domains, language ID
  libdivsufsort-dev                            # suffix arrays for exact dedup
  libgumbo-dev                                 # HTML parsing for text extraction
  libtomlplusplus-dev                          # task templates (TOML)
  wordnet-base dict-freedict-eng-deu           # data for the bundled Flan-style tasks
  dict-gcide debian-reference-en zstd          # make demo: its corpus (dictionary, HTML manual), zstdcat
  python3 python3-torch python3-numpy          # test-time reference only
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# PyTorch (the benchmark peer and test reference) loads whatever libblas.so.3 points at: make it the
# same OpenMP OpenBLAS that hone links, so comparisons use the same BLAS and the same threads.
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
lib=/usr/lib/$multiarch/openblas-openmp
for alt in libblas.so.3 libopenblas.so.0; do
  target="$lib/$alt"
  name="$alt-$multiarch"
  if [ -e "$target" ] && [ "$(readlink -f "/etc/alternatives/$name" 2>/dev/null)" != "$(readlink -f "$target")" ]; then
    as_root update-alternatives --set "$name" "$target" >/dev/null
  fi
done
