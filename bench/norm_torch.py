"""PyTorch eager side of bench/norm_bench.cpp: HF T5LayerNorm and F.layer_norm, forward + backward.

Usage: /usr/bin/python3 bench/norm_torch.py [threads] [rows] [d_model]
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def t5_layer_norm(x, weight, eps=1e-6):
    # transformers T5LayerNorm.forward
    variance = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def median_us(step, repeats=200):
    for _ in range(20):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 4 * 512
    d_model = int(sys.argv[3]) if len(sys.argv) > 3 else 512
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = (torch.rand(rows, d_model) * 2 - 1).requires_grad_(True)
    dy = torch.rand(rows, d_model) * 2 - 1
    weight = torch.ones(d_model, requires_grad=True)
    bias = torch.zeros(d_model, requires_grad=True)

    def rms_step():
        t5_layer_norm(x, weight).backward(dy)

    def ln_step():
        F.layer_norm(x, (d_model,), weight, bias, 1e-5).backward(dy)

    print(f"torch rms_norm   fwd+bwd [{rows}, {d_model}] threads={threads}: {median_us(rms_step):.1f} us")
    print(f"torch layer_norm fwd+bwd [{rows}, {d_model}] threads={threads}: {median_us(ln_step):.1f} us")


if __name__ == "__main__":
    main()
