"""PyTorch eager peer of bench/attention_bench.cpp: HF-style attention (matmul, + bias / mask, softmax,
matmul) forward + backward at B=4, H=8, T=512, d_kv=64, fp32. Usage: python3 attention_bench_torch.py [threads]"""
import json
import math
import sys
import time

import torch


def median_ms(step, repeats=7):
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    torch.set_num_threads(threads)
    B, H, T, D = 4, 8, 512, 64
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.rand(B, T, H * D, generator=g) * 2 - 1 for _ in range(3))
    d_out = torch.rand(B, T, H * D, generator=g)
    bias = torch.rand(H, T, T, generator=g)
    causal_mask = torch.ones(T, T, dtype=torch.bool).tril()
    for causal in (False, True):
        leaves = [x.clone().requires_grad_() for x in (q, k, v)] + ([] if causal else [bias.clone().requires_grad_()])

        def forward():
            qh, kh, vh = (x.view(B, T, H, D).transpose(1, 2) for x in leaves[:3])
            scores = torch.matmul(qh, kh.transpose(-1, -2)) / math.sqrt(D)
            if causal:
                scores = scores.masked_fill(~causal_mask, torch.finfo(scores.dtype).min)
            else:
                scores = scores + leaves[3]
            probs = torch.softmax(scores, dim=-1)
            return torch.matmul(probs, vh).transpose(1, 2).reshape(B, T, H * D)

        def both():
            for x in leaves:
                x.grad = None
            forward().backward(d_out)

        with torch.no_grad():
            fwd = median_ms(forward)
        total = median_ms(both)
        name = "attention_causal" if causal else "attention_bias_bidirectional"
        print(json.dumps({"name": name, "threads": threads, "forward_ms": round(fwd, 2),
                          "forward_backward_ms": round(total, 2)}))


if __name__ == "__main__":
    main()
