"""PyTorch eager peer for bench/train_throughput_bench.cpp: the same three models written in plain torch
the way Hugging Face writes them (LlamaForCausalLM's eager attention path, T5ForConditionalGeneration v1.1),
full training steps (forward, backward, AdamW step, zero_grad), same threads, same batches.
Prints one JSON line per case; memory is the growth of the process's peak RSS over the case
(one case per process), the same measure hone's bench reports as rss_delta_bytes.

Usage: torch_train.py NAME-SUBSTRING   (HONE_THREADS, BENCH_WARMUP, BENCH_STEPS as for hone)
"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = int(os.environ.get("HONE_THREADS", "1"))
torch.set_num_threads(THREADS)
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
STEPS = int(os.environ.get("BENCH_STEPS", "5"))


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class RMSNorm(nn.Module):
    """LlamaRMSNorm / T5LayerNorm."""

    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaBlock(nn.Module):
    def __init__(self, d, heads, d_ff, act, eps):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.input_layernorm = RMSNorm(d, eps)
        self.q_proj, self.k_proj = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.v_proj, self.o_proj = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.post_attention_layernorm = RMSNorm(d, eps)
        self.gate_proj, self.up_proj = nn.Linear(d, d_ff, bias=False), nn.Linear(d, d_ff, bias=False)
        self.down_proj = nn.Linear(d_ff, d, bias=False)
        self.act = act

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(h).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(h).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        attn = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, -1)
        x = x + self.o_proj(attn)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(self.act(self.gate_proj(h)) * self.up_proj(h))


class DecoderOnly(nn.Module):
    def __init__(self, vocab, d, layers, heads, d_ff, act, eps=1e-6, theta=10000.0):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList(LlamaBlock(d, heads, d_ff, act, eps) for _ in range(layers))
        self.norm = RMSNorm(d, eps)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        head_dim = d // heads
        self.register_buffer("inv_freq", 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim)))

    def forward(self, tokens, targets):
        b, t = tokens.shape
        x = self.embed_tokens(tokens)
        # LlamaRotaryEmbedding and the causal mask, built every forward as Hugging Face does.
        freqs = torch.arange(t).float()[:, None] * self.inv_freq[None]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = torch.full((t, t), torch.finfo(x.dtype).min).triu(1)[None, None]
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        logits = self.lm_head(self.norm(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1))


def relative_position_bucket(relative_position, bidirectional, num_buckets=32, max_distance=128):
    buckets = torch.zeros_like(relative_position)
    if bidirectional:
        num_buckets //= 2
        buckets += (relative_position > 0).long() * num_buckets
        relative_position = relative_position.abs()
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    large = max_exact + (torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).long()
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, relative_position, large)


class T5Attention(nn.Module):
    def __init__(self, d, heads, has_bias, bidirectional):
        super().__init__()
        self.heads, self.d_kv = heads, d // heads
        self.q, self.k = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.v, self.o = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.bidirectional = bidirectional
        self.relative_attention_bias = nn.Embedding(32, heads) if has_bias else None

    def compute_bias(self, q_len, k_len):
        ctx = torch.arange(q_len)[:, None]
        mem = torch.arange(k_len)[None, :]
        buckets = relative_position_bucket(mem - ctx, self.bidirectional)
        return self.relative_attention_bias(buckets).permute(2, 0, 1)[None]

    def forward(self, x, bias, source=None):
        b, t, _ = x.shape
        kv = x if source is None else source

        def shape(s):
            return s.view(b, -1, self.heads, self.d_kv).transpose(1, 2)

        q, k, v = shape(self.q(x)), shape(self.k(kv)), shape(self.v(kv))
        scores = torch.matmul(q, k.transpose(3, 2)) + bias  # T5: no 1/sqrt(d_kv)
        probs = F.softmax(scores.float(), dim=-1).type_as(scores)
        return self.o(torch.matmul(probs, v).transpose(1, 2).reshape(b, t, -1))


class T5Ffn(nn.Module):
    """T5DenseGatedActDense with gelu_new."""

    def __init__(self, d, d_ff):
        super().__init__()
        self.wi_0, self.wi_1 = nn.Linear(d, d_ff, bias=False), nn.Linear(d, d_ff, bias=False)
        self.wo = nn.Linear(d_ff, d, bias=False)

    def forward(self, x):
        return self.wo(F.gelu(self.wi_0(x), approximate="tanh") * self.wi_1(x))


class T5Block(nn.Module):
    def __init__(self, d, heads, d_ff, decoder, has_bias, eps=1e-6):
        super().__init__()
        self.norm_self = RMSNorm(d, eps)
        self.self_attention = T5Attention(d, heads, has_bias, bidirectional=not decoder)
        self.decoder = decoder
        if decoder:
            self.norm_cross = RMSNorm(d, eps)
            self.cross_attention = T5Attention(d, heads, False, bidirectional=True)
        self.norm_ffn = RMSNorm(d, eps)
        self.ffn = T5Ffn(d, d_ff)

    def forward(self, x, bias, encoder_output=None, cross_bias=None):
        x = x + self.self_attention(self.norm_self(x), bias)
        if self.decoder:
            x = x + self.cross_attention(self.norm_cross(x), cross_bias, encoder_output)
        return x + self.ffn(self.norm_ffn(x))


class T5(nn.Module):
    def __init__(self, vocab, d, layers, heads, d_ff, eps=1e-6):
        super().__init__()
        self.shared = nn.Embedding(vocab, d)
        self.encoder = nn.ModuleList(T5Block(d, heads, d_ff, False, i == 0) for i in range(layers))
        self.encoder_norm = RMSNorm(d, eps)
        self.decoder = nn.ModuleList(T5Block(d, heads, d_ff, True, i == 0) for i in range(layers))
        self.decoder_norm = RMSNorm(d, eps)
        self.lm_head = nn.Linear(d, vocab, bias=False)  # v1.1: untied, no d_model^-0.5 rescale

    def forward(self, source, decoder_input, targets):
        s, t = source.shape[1], decoder_input.shape[1]
        neg = torch.finfo(torch.float32).min
        # Hugging Face's extended masks: (1 - mask) * min, added to the scores.
        enc_mask = (1.0 - (source != 0).float())[:, None, None, :] * neg
        causal = (1.0 - torch.ones(t, t).tril())[None, None] * neg
        x = self.shared(source)
        enc_bias = self.encoder[0].self_attention.compute_bias(s, s) + enc_mask
        for block in self.encoder:
            x = block(x, enc_bias)
        encoder_output = self.encoder_norm(x)
        y = self.shared(decoder_input)
        dec_bias = self.decoder[0].self_attention.compute_bias(t, t) + causal
        for block in self.decoder:
            y = block(y, dec_bias, encoder_output, enc_mask)
        logits = self.lm_head(self.decoder_norm(y))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


CASES = {
    "decoder d256 4L gated-gelu v8192 T256 B8":
        dict(kind="decoder", vocab=8192, d=256, layers=4, heads=4, d_ff=1024, act="gelu", batch=8, target=256),
    "llama d512 8L swiglu v32000 T512 B4":
        dict(kind="decoder", vocab=32000, d=512, layers=8, heads=8, d_ff=2048, act="silu", batch=4, target=512),
    "t5 v1.1 d256 4+4L v8192 S256 T64 B8":
        dict(kind="t5", vocab=8192, d=256, layers=4, heads=4, d_ff=1024, batch=8, source=256, target=64),
}


def run(name, c):
    rss_before = peak_rss_bytes()
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    if c["kind"] == "decoder":
        act = (lambda h: F.gelu(h, approximate="tanh")) if c["act"] == "gelu" else F.silu
        model = DecoderOnly(c["vocab"], c["d"], c["layers"], c["heads"], c["d_ff"], act)
        stream = torch.randint(1, c["vocab"], (c["batch"], c["target"] + 1), generator=g)
        inputs = (stream[:, :-1].contiguous(), stream[:, 1:].contiguous())
        tokens = c["batch"] * c["target"]
    else:
        model = T5(c["vocab"], c["d"], c["layers"], c["heads"], c["d_ff"])
        source = torch.randint(1, c["vocab"], (c["batch"], c["source"]), generator=g)
        targets = torch.randint(1, c["vocab"], (c["batch"], c["target"]), generator=g)
        decoder_input = torch.cat([torch.zeros(c["batch"], 1, dtype=torch.long), targets[:, :-1]], dim=1)
        inputs = (source, decoder_input, targets)
        tokens = c["batch"] * (c["source"] + c["target"])
    # Decoupled weight decay on matrices only, as hone's AdamW.
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    vectors = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": 0.01},
                                   {"params": vectors, "weight_decay": 0.0}], lr=1e-4)

    def step():
        loss = model(*inputs)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()

    for _ in range(WARMUP):
        step()
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(STEPS):
        loss = step()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    n_params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"name": name, "recompute": "none", "tokens_per_s": tokens * STEPS / seconds,
                      "ms_per_step": 1e3 * seconds / STEPS, "tokens_per_cpu_s": tokens * STEPS / cpu, "loss": loss, "params": n_params,
                      "rss_delta_bytes": peak_rss_bytes() - rss_before}), flush=True)


if __name__ == "__main__":
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    for case_name, case in CASES.items():
        if wanted in case_name:
            run(case_name, case)
