"""Whole-model references written to follow the Hugging Face architecture definitions (here
LlamaForCausalLM: RMSNorm, rotary embeddings with rotate_half, grouped-query attention, SwiGLU MLP)."""
import math

import torch
import torch.nn.functional as F


def _rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def _rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def _rope(x, theta):
    # x [B, H, T, d]
    d, length = x.shape[-1], x.shape[-2]
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    freqs = torch.outer(torch.arange(length, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
    return x * cos + _rotate_half(x) * sin


def llama_loss(t, cfg):
    """Loss and every parameter gradient of LlamaForCausalLM on (tokens, targets), targets -100 ignored."""
    params = {k: v.clone().requires_grad_() for k, v in t.items() if k not in ("tokens", "targets")}
    tokens, targets = t["tokens"].long(), t["targets"].long()
    n_heads, n_kv, eps, theta = cfg["n_heads"], cfg["n_kv_heads"], cfg["norm_eps"], cfg["rope_theta"]
    batch, length = tokens.shape
    x = F.embedding(tokens, params["model.embed_tokens.weight"])
    d_model = x.shape[-1]
    head = d_model // n_heads
    causal = torch.triu(torch.ones(length, length, dtype=torch.bool), 1)
    for i in range(cfg["n_layers"]):
        p = f"model.layers.{i}."
        h = _rms_norm(x, params[p + "input_layernorm.weight"], eps)
        q = F.linear(h, params[p + "self_attn.q_proj.weight"]).view(batch, length, n_heads, head).transpose(1, 2)
        k = F.linear(h, params[p + "self_attn.k_proj.weight"]).view(batch, length, n_kv, head).transpose(1, 2)
        v = F.linear(h, params[p + "self_attn.v_proj.weight"]).view(batch, length, n_kv, head).transpose(1, 2)
        q, k = _rope(q, theta), _rope(k, theta)
        k = k.repeat_interleave(n_heads // n_kv, dim=1)
        v = v.repeat_interleave(n_heads // n_kv, dim=1)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head)
        scores = scores.masked_fill(causal, float("-inf"))
        attn = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(batch, length, -1)
        x = x + F.linear(attn, params[p + "self_attn.o_proj.weight"])
        h = _rms_norm(x, params[p + "post_attention_layernorm.weight"], eps)
        gate = F.linear(h, params[p + "mlp.gate_proj.weight"])
        up = F.linear(h, params[p + "mlp.up_proj.weight"])
        x = x + F.linear(F.silu(gate) * up, params[p + "mlp.down_proj.weight"])
    x = _rms_norm(x, params["model.norm.weight"], eps)
    head_weight = params.get("lm_head.weight", params["model.embed_tokens.weight"])
    logits = F.linear(x, head_weight)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
    loss.backward()
    out = {"loss": loss.detach().reshape(1), "logits": logits.detach()}
    out.update({"grad." + k: v.grad for k, v in params.items()})
    return out
