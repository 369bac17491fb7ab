"""PyTorch eager peer for bench/layers_bench.cpp: the same layers, shapes and thread count, forward +
backward, timed the same way (median of repeats after warm-up). Prints one JSON line per case.

Shapes: a d_model=512, 8-head, seq 512, batch 4 model (rows = 2048 tokens), d_ff 2048, vocab 32000.
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

THREADS = int(os.environ.get("HONE_THREADS", "1"))
torch.set_num_threads(THREADS)
torch.manual_seed(0)

B, T, D, H, DFF, V = 4, 512, 512, 8, 2048, 32000
DK = D // H
ROWS = B * T
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


def timed(name, setup, step, flops=0.0):
    state = setup()
    step(state)  # warm-up
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        step(state)
        times.append(time.perf_counter() - start)
    times.sort()
    print(json.dumps({"name": name, "ms": 1e3 * times[len(times) // 2], "flops": flops}), flush=True)


def param(*shape, scale=0.02):
    return (torch.randn(*shape) * scale).requires_grad_()


def backward(out, grad):
    out.backward(grad)


def linear_case():
    def setup():
        return {"x": torch.randn(ROWS, D, requires_grad=True), "w": param(D, D), "g": torch.randn(ROWS, D)}

    def step(s):
        backward(F.linear(s["x"], s["w"]), s["g"])
        s["x"].grad = None
        s["w"].grad = None

    timed("linear 512->512 fwd+bwd", setup, step, 3 * 2.0 * ROWS * D * D)


def ffn_case():
    def setup():
        return {"x": torch.randn(ROWS, D, requires_grad=True), "w0": param(DFF, D), "w1": param(DFF, D),
                "wo": param(D, DFF), "g": torch.randn(ROWS, D)}

    def step(s):
        # HF T5DenseGatedActDense with gelu_new
        h = F.gelu(F.linear(s["x"], s["w0"]), approximate="tanh") * F.linear(s["x"], s["w1"])
        backward(F.linear(h, s["wo"]), s["g"])
        for k in ("x", "w0", "w1", "wo"):
            s[k].grad = None

    timed("ffn gated-gelu 512-2048 fwd+bwd", setup, step, 3 * 2.0 * ROWS * D * DFF * 3)


def rmsnorm_case():
    def setup():
        return {"x": torch.randn(ROWS, D, requires_grad=True), "w": (1 + torch.randn(D) * 0.1).requires_grad_(),
                "g": torch.randn(ROWS, D)}

    def step(s):
        # HF T5LayerNorm
        x = s["x"]
        variance = x.pow(2).mean(-1, keepdim=True)
        backward(s["w"] * (x * torch.rsqrt(variance + 1e-6)), s["g"])
        s["x"].grad = None
        s["w"].grad = None

    timed("rmsnorm [2048, 512] fwd+bwd", setup, step)


def layernorm_case():
    def setup():
        return {"x": torch.randn(ROWS, D, requires_grad=True), "w": (1 + torch.randn(D) * 0.1).requires_grad_(),
                "b": param(D), "g": torch.randn(ROWS, D)}

    def step(s):
        backward(F.layer_norm(s["x"], (D,), s["w"], s["b"], 1e-5), s["g"])
        for k in ("x", "w", "b"):
            s[k].grad = None

    timed("layernorm [2048, 512] fwd+bwd", setup, step)


def swiglu_case():
    def setup():
        return {"a": torch.randn(ROWS, DFF, requires_grad=True), "b": torch.randn(ROWS, DFF, requires_grad=True),
                "g": torch.randn(ROWS, DFF)}

    def step(s):
        backward(F.silu(s["a"]) * s["b"], s["g"])
        s["a"].grad = None
        s["b"].grad = None

    timed("swiglu [2048, 2048] fwd+bwd", setup, step)


def relative_bucket(rel, bidirectional, num_buckets=32, max_distance=128):
    buckets = torch.zeros_like(rel)
    if bidirectional:
        num_buckets //= 2
        buckets += (rel > 0).long() * num_buckets
        rel = rel.abs()
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    max_exact = num_buckets // 2
    is_small = rel < max_exact
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).long()
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, rel, large)


def attention_case(name, causal, t5_bias):
    def setup():
        s = {k: torch.randn(B, H, T, DK, requires_grad=True) for k in ("q", "k", "v")}
        s["g"] = torch.randn(B, H, T, DK)
        if t5_bias:
            s["table"] = param(32, H, scale=0.5)
            pos = torch.arange(T)
            s["bucket"] = relative_bucket(pos[None, :] - pos[:, None], bidirectional=not causal)
        if causal:
            s["mask"] = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
        return s

    def step(s):
        # HF-style eager attention: matmul, + position bias / mask, softmax, matmul.
        scores = torch.matmul(s["q"], s["k"].transpose(-1, -2))
        if t5_bias:
            scores = scores + F.embedding(s["bucket"], s["table"]).permute(2, 0, 1)[None]
        else:
            scores = scores / math.sqrt(DK)
        if causal:
            scores = scores.masked_fill(s["mask"], torch.finfo(scores.dtype).min)
        probs = torch.softmax(scores.float(), dim=-1)
        backward(torch.matmul(probs, s["v"]), s["g"])
        for k in ("q", "k", "v", "table"):
            if k in s:
                s[k].grad = None

    timed(name, setup, step, 6 * 2.0 * B * H * T * T * DK)


def embedding_case():
    def setup():
        return {"ids": torch.randint(0, V, (B, T)), "w": param(V, D), "g": torch.randn(B, T, D)}

    def step(s):
        backward(F.embedding(s["ids"], s["w"]), s["g"])
        s["w"].grad = None

    timed("embedding 32000x512 fwd+bwd", setup, step)


def lm_head_case():
    def setup():
        return {"h": torch.randn(ROWS, D, requires_grad=True), "w": param(V, D), "t": torch.randint(0, V, (ROWS,))}

    def step(s):
        loss = F.cross_entropy(F.linear(s["h"], s["w"]), s["t"])
        loss.backward()
        s["h"].grad = None
        s["w"].grad = None

    timed("lm head + CE 2048x512x32000 fwd+bwd", setup, step, 3 * 2.0 * ROWS * D * V)


if __name__ == "__main__":
    cases = [linear_case, ffn_case, rmsnorm_case, layernorm_case, swiglu_case,
             lambda: attention_case("attention causal (llama) fwd+bwd", True, False),
             lambda: attention_case("attention t5 bidirectional + rel bias fwd+bwd", False, True),
             embedding_case, lm_head_case]
    names = ["linear 512->512 fwd+bwd", "ffn gated-gelu 512-2048 fwd+bwd", "rmsnorm [2048, 512] fwd+bwd",
             "layernorm [2048, 512] fwd+bwd", "swiglu [2048, 2048] fwd+bwd", "attention causal (llama) fwd+bwd",
             "attention t5 bidirectional + rel bias fwd+bwd", "embedding 32000x512 fwd+bwd",
             "lm head + CE 2048x512x32000 fwd+bwd"]
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    for name, case in zip(names, cases):
        if wanted in name:
            case()
