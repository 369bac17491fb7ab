"""References for hone's attention kernels and layers: plain torch code following Hugging Face's T5 /
Llama attention (matmul, + bias / mask, softmax, matmul), gradients by torch autograd.

Masks are the same rules as hone (src/backend/attention.h). A query row with no allowed key outputs 0 and
gets 0 gradient: the softmax runs over finfo.min-filled scores and is then multiplied by the mask."""
import math

import torch


def allowed_mask(t, cfg, batch, tq, tk):
    """Boolean [B, Tq, Tk]: True where query i may attend key j."""
    allowed = torch.ones(batch, tq, tk, dtype=torch.bool)
    i = torch.arange(tq)[:, None]
    j = torch.arange(tk)[None, :]
    if cfg.get("causal", False):
        rule = (j <= i)[None].expand(batch, tq, tk)
        if "prefix" in t:  # seqio decoder_causal_attention: prefix tokens see each other
            p = t["prefix"].bool()
            rule = rule | (p[:, :, None] & p[:, None, :])
        allowed = allowed & rule
    if "key_valid" in t:
        allowed = allowed & t["key_valid"].bool()[:, None, :]
    if "key_lengths" in t:
        allowed = allowed & (j[None] < t["key_lengths"].long()[:, None, None])
    if "query_segments" in t:
        qs = t["query_segments"].long()
        ks = t["key_segments"].long()
        allowed = allowed & (qs[:, :, None] == ks[:, None, :]) & (qs[:, :, None] != 0)
    return allowed


def repeat_kv(x, groups):
    """[B, Hkv, T, d] -> [B, Hkv*groups, T, d], as Llama's repeat_kv."""
    b, h, t, d = x.shape
    return x[:, :, None].expand(b, h, groups, t, d).reshape(b, h * groups, t, d)


def split_heads(x, heads):
    b, t, _ = x.shape
    return x.view(b, t, heads, -1).transpose(1, 2)


def attend(q, k, v, bias, allowed, cfg):
    """q [B, Tq, Hq*d], k/v [B, Tk, Hkv*d] -> [B, Tq, Hq*d]."""
    hq, hkv = cfg["n_heads"], cfg["n_kv_heads"]
    qh, kh, vh = split_heads(q, hq), split_heads(k, hkv), split_heads(v, hkv)
    kh, vh = repeat_kv(kh, hq // hkv), repeat_kv(vh, hq // hkv)
    scores = torch.matmul(qh, kh.transpose(-1, -2)) * cfg["scale"]
    if bias is not None:
        scores = scores + bias[None]
    m = allowed[:, None]
    scores = scores.masked_fill(~m, torch.finfo(scores.dtype).min)
    probs = torch.softmax(scores, dim=-1) * m
    out = torch.matmul(probs, vh)
    return out.transpose(1, 2).reshape(q.shape[0], q.shape[1], -1)


def sdpa(t, cfg):
    q = t["q"].clone().requires_grad_()
    k = t["k"].clone().requires_grad_()
    v = t["v"].clone().requires_grad_()
    bias = t["bias"].clone().requires_grad_() if "bias" in t else None
    allowed = allowed_mask(t, cfg, q.shape[0], q.shape[1], k.shape[1])
    out = attend(q, k, v, bias, allowed, cfg)
    out.backward(t["d_output"])
    result = {"output": out.detach(), "dq": q.grad, "dk": k.grad, "dv": v.grad}
    if bias is not None:
        result["d_bias"] = bias.grad
    return result


def relative_position_bucket(relative_position, bidirectional, num_buckets, max_distance):
    """T5Attention._relative_position_bucket (Hugging Face), written out."""
    buckets = torch.zeros_like(relative_position)
    if bidirectional:
        num_buckets //= 2
        buckets = buckets + (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    large = max_exact + (
        torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)
    ).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, relative_position, large)


def buckets(t, cfg):
    rel = t["relative_positions"].long()
    return {"buckets": relative_position_bucket(rel, cfg["bidirectional"], cfg["num_buckets"], cfg["max_distance"])}


def position_bias_values(table, tq, tk, cfg):
    """T5Attention.compute_bias: [H, Tq, Tk] from the table [num_buckets, H]."""
    context = torch.arange(tq)[:, None]
    memory = torch.arange(tk)[None, :]
    bucket = relative_position_bucket(memory - context, cfg["bidirectional"], cfg["num_buckets"], cfg["max_distance"])
    return torch.nn.functional.embedding(bucket, table).permute(2, 0, 1)


def position_bias(t, cfg):
    table = t["table"].clone().requires_grad_()
    bias = position_bias_values(table, cfg["query_length"], cfg["key_length"], cfg)
    bias.backward(t["d_bias"])
    return {"bias": bias.detach(), "d_table": table.grad}


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rope(x, positions, head_dim, theta):
    """Llama rotary embedding on x [B, T, H*head_dim] with positions [B, T]."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    freqs = positions.float()[..., None] * inv_freq  # [B, T, head_dim/2]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, :, None, :], emb.sin()[:, :, None, :]
    b, tl, _ = x.shape
    xh = x.view(b, tl, -1, head_dim)
    return (xh * cos + rotate_half(xh) * sin).reshape(b, tl, -1)


def rope(t, cfg):
    x = t["x"].clone().requires_grad_()
    y = apply_rope(x, t["positions"].long(), cfg["head_dim"], cfg["theta"])
    y.backward(t["d_y"])
    return {"y": y.detach(), "dx": x.grad}


def mha(t, cfg):
    """MultiHeadAttention: projections (names q/k/v/o), optional RoPE, position bias, cross-attention."""
    leaves = {}
    for name, value in t.items():
        if name.startswith(("w_", "b_")) or name in ("x", "context", "bias"):
            leaves[name] = value.clone().requires_grad_()

    def project(inp, n):
        y = inp @ leaves["w_" + n].t()
        return y + leaves["b_" + n] if "b_" + n in leaves else y

    x = leaves["x"]
    source = leaves["context"] if "context" in leaves else x
    q, k, v = project(x, "q"), project(source, "k"), project(source, "v")
    if cfg.get("rope", False):
        positions = t["positions"].long()
        q = apply_rope(q, positions, cfg["d_kv"], cfg["rope_theta"])
        k = apply_rope(k, positions, cfg["d_kv"], cfg["rope_theta"])
    bias = leaves.get("bias")
    if "table" in t:
        leaves["table"] = t["table"].clone().requires_grad_()
        bias = position_bias_values(leaves["table"], x.shape[1], source.shape[1], cfg)
    allowed = allowed_mask(t, cfg, x.shape[0], x.shape[1], source.shape[1])
    y = project(attend(q, k, v, bias, allowed, cfg), "o")
    y.backward(t["d_y"])
    result = {"y": y.detach()}
    for name, leaf in leaves.items():
        result["d_" + name] = leaf.grad
    return result
