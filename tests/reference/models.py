"""Whole-model references written to follow the Hugging Face architecture definitions:
LlamaForCausalLM (RMSNorm, rotary embeddings with rotate_half, grouped-query attention, SwiGLU MLP) and
GPT2LMHeadModel (LayerNorm, learned positions, Conv1D weights [in, out] with a fused c_attn, GELU-tanh MLP,
tied head). Both take optional prefix-LM flags ("prefix" [B, T], seqio decoder_causal_attention) and
packed segment ids ("segments" [B, T], 0 = padding) with positions restarting in every segment."""
import math

import torch
import torch.nn.functional as F


def _rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def _rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def _rope(x, theta, positions):
    # x [B, H, T, d], positions [B, T]
    d = x.shape[-1]
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    freqs = positions.double()[..., None] * inv_freq  # [B, T, d/2]
    emb = torch.cat((freqs, freqs), dim=-1)[:, None]  # [B, 1, T, d]
    cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
    return x * cos + _rotate_half(x) * sin


def _positions(t, batch, length):
    """0..T-1 per row, restarting wherever the segment id changes."""
    if "segments" not in t:
        return torch.arange(length).expand(batch, length)
    seg = t["segments"].long()
    pos = torch.zeros(batch, length, dtype=torch.long)
    for b in range(batch):
        start = 0
        for i in range(length):
            if i > 0 and seg[b, i] != seg[b, i - 1]:
                start = i
            pos[b, i] = i - start
    return pos


def _allowed(t, batch, length):
    """[B, 1, T, T] bool: causal, OR both positions in the prefix; within one non-padding segment."""
    i = torch.arange(length)
    allowed = (i[None, :] <= i[:, None]).expand(batch, length, length)
    if "prefix" in t:
        p = t["prefix"].bool()
        allowed = allowed | (p[:, :, None] & p[:, None, :])
    if "segments" in t:
        s = t["segments"].long()
        allowed = allowed & (s[:, :, None] == s[:, None, :]) & (s[:, :, None] != 0)
    return allowed[:, None]


def _attend(q, k, v, allowed, scale):
    # A row with no allowed key outputs 0 (as hone's kernel): a finite fill keeps its gradient 0, not NaN.
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    scores = scores.masked_fill(~allowed, -1e9)
    probs = torch.softmax(scores, dim=-1) * allowed.any(-1, keepdim=True)
    return torch.matmul(probs, v)


_INPUT_KEYS = ("tokens", "targets", "prefix", "segments")


def llama_loss(t, cfg):
    """Loss and every parameter gradient of LlamaForCausalLM on (tokens, targets), targets -100 ignored."""
    params = {k: v.clone().requires_grad_() for k, v in t.items() if k not in _INPUT_KEYS}
    tokens, targets = t["tokens"].long(), t["targets"].long()
    n_heads, n_kv, eps, theta = cfg["n_heads"], cfg["n_kv_heads"], cfg["norm_eps"], cfg["rope_theta"]
    batch, length = tokens.shape
    x = F.embedding(tokens, params["model.embed_tokens.weight"])
    d_model = x.shape[-1]
    head = d_model // n_heads
    allowed = _allowed(t, batch, length)
    positions = _positions(t, batch, length)
    for i in range(cfg["n_layers"]):
        p = f"model.layers.{i}."
        h = _rms_norm(x, params[p + "input_layernorm.weight"], eps)
        q = F.linear(h, params[p + "self_attn.q_proj.weight"]).view(batch, length, n_heads, head).transpose(1, 2)
        k = F.linear(h, params[p + "self_attn.k_proj.weight"]).view(batch, length, n_kv, head).transpose(1, 2)
        v = F.linear(h, params[p + "self_attn.v_proj.weight"]).view(batch, length, n_kv, head).transpose(1, 2)
        q, k = _rope(q, theta, positions), _rope(k, theta, positions)
        k = k.repeat_interleave(n_heads // n_kv, dim=1)
        v = v.repeat_interleave(n_heads // n_kv, dim=1)
        attn = _attend(q, k, v, allowed, 1.0 / math.sqrt(head)).transpose(1, 2).reshape(batch, length, -1)
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


def _conv1d(x, weight, bias):
    # Hugging Face's Conv1D: weight [in, out].
    return torch.addmm(bias, x.reshape(-1, x.shape[-1]), weight).reshape(*x.shape[:-1], weight.shape[-1])


def gpt2_loss(t, cfg):
    """Loss and every parameter gradient of GPT2LMHeadModel on (tokens, targets), targets -100 ignored.
    Parameters in Hugging Face names and layouts (Conv1D [in, out], fused c_attn)."""
    params = {k: v.clone().requires_grad_() for k, v in t.items() if k not in _INPUT_KEYS}
    tokens, targets = t["tokens"].long(), t["targets"].long()
    n_heads, eps = cfg["n_heads"], cfg["norm_eps"]
    batch, length = tokens.shape
    positions = _positions(t, batch, length)
    x = F.embedding(tokens, params["transformer.wte.weight"]) + F.embedding(positions, params["transformer.wpe.weight"])
    d_model = x.shape[-1]
    head = d_model // n_heads
    allowed = _allowed(t, batch, length)
    for i in range(cfg["n_layers"]):
        p = f"transformer.h.{i}."
        h = F.layer_norm(x, (d_model,), params[p + "ln_1.weight"], params[p + "ln_1.bias"], eps)
        qkv = _conv1d(h, params[p + "attn.c_attn.weight"], params[p + "attn.c_attn.bias"])
        q, k, v = (part.view(batch, length, n_heads, head).transpose(1, 2) for part in qkv.split(d_model, dim=2))
        attn = _attend(q, k, v, allowed, 1.0 / math.sqrt(head)).transpose(1, 2).reshape(batch, length, d_model)
        x = x + _conv1d(attn, params[p + "attn.c_proj.weight"], params[p + "attn.c_proj.bias"])
        h = F.layer_norm(x, (d_model,), params[p + "ln_2.weight"], params[p + "ln_2.bias"], eps)
        hidden = F.gelu(_conv1d(h, params[p + "mlp.c_fc.weight"], params[p + "mlp.c_fc.bias"]), approximate="tanh")
        x = x + _conv1d(hidden, params[p + "mlp.c_proj.weight"], params[p + "mlp.c_proj.bias"])
    x = F.layer_norm(x, (d_model,), params["transformer.ln_f.weight"], params["transformer.ln_f.bias"], eps)
    head_weight = params.get("lm_head.weight", params["transformer.wte.weight"])
    logits = F.linear(x, head_weight)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
    loss.backward()
    out = {"loss": loss.detach().reshape(1), "logits": logits.detach()}
    out.update({"grad." + k: v.grad for k, v in params.items()})
    return out
