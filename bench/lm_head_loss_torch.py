"""PyTorch eager baseline for bench/lm_head_loss_bench.cpp: linear + F.cross_entropy + backward.
   /usr/bin/python3 bench/lm_head_loss_torch.py [tokens] [d_model] [vocab] [threads] [repeats]"""
import sys
import time

import torch
import torch.nn.functional as F

n, d, vocab, threads, repeats = [int(a) for a in sys.argv[1:6]] + [2048, 512, 32000, 2, 5][len(sys.argv[1:6]):]
torch.set_num_threads(threads)
torch.manual_seed(0)
weight = ((torch.rand(vocab, d) * 2 - 1) * 0.05).requires_grad_(True)
hidden = (torch.rand(n, d) * 2 - 1).requires_grad_(True)
targets = torch.randint(0, vocab, (n,))
times, cpu_times = [], []
for r in range(repeats + 1):
    weight.grad = None
    hidden.grad = None
    start, cpu_start = time.perf_counter(), time.process_time()
    loss = F.cross_entropy(F.linear(hidden, weight), targets)
    loss.backward()
    if r > 0:
        times.append((time.perf_counter() - start) * 1e3)
        cpu_times.append((time.process_time() - cpu_start) * 1e3)
times.sort()
cpu_times.sort()
print(f"torch eager linear+CE fwd+bwd N={n} d={d} V={vocab} threads={threads}: median {times[len(times) // 2]:.1f} ms "
      f"(min {times[0]:.1f}), loss {loss.item():.6f}\n  CPU time: median {cpu_times[len(cpu_times) // 2]:.1f} ms (min {cpu_times[0]:.1f})")
