"""T5ForConditionalGeneration written out in plain torch, following Hugging Face modeling_t5.py:
T5LayerNorm (RMS, no bias, no mean), T5Attention (no 1/sqrt(d_kv) scaling, relative position bias computed
by block 0 of each stack and shared by its later blocks, none in cross-attention), DenseReluDense or
DenseGatedActDense, shared embedding, and with tied embeddings the decoder output scaled by d_model^-0.5
before the LM head. Gradients come from torch autograd.

Masks: as Hugging Face's attention_mask = (encoder tokens != 0) for encoder self-attention and
cross-attention, causal decoder self-attention; for packed examples (segment ids) a query also sees only
keys of its own segment, segment 0 seeing nothing (t5x's make_attention_mask with segment ids). A query row
with no allowed key outputs 0 (Hugging Face's additive finfo.min mask would average all values there);
such rows are padding and carry no loss."""
import math

import torch
import torch.nn.functional as F

_BATCH_KEYS = (
    "encoder_input_tokens",
    "decoder_input_tokens",
    "decoder_target_tokens",
    "decoder_loss_weights",
    "encoder_segment_ids",
    "decoder_segment_ids",
)


def _layer_norm(x, weight, eps):
    # T5LayerNorm: variance in fp32, no mean subtraction, no bias.
    variance = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def _relative_position_bucket(relative_position, bidirectional, num_buckets, max_distance):
    """T5Attention._relative_position_bucket."""
    relative_buckets = torch.zeros_like(relative_position)
    if bidirectional:
        num_buckets //= 2
        relative_buckets = relative_buckets + (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    large = max_exact + (
        torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)
    ).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return relative_buckets + torch.where(is_small, relative_position, large)


def _compute_bias(table, query_length, key_length, bidirectional, cfg):
    """T5Attention.compute_bias: [1, H, Tq, Tk] from the table [num_buckets, H], by token index."""
    context = torch.arange(query_length, dtype=torch.long)[:, None]
    memory = torch.arange(key_length, dtype=torch.long)[None, :]
    bucket = _relative_position_bucket(
        memory - context, bidirectional, cfg["relative_attention_num_buckets"], cfg["relative_attention_max_distance"]
    )
    return F.embedding(bucket, table).permute(2, 0, 1).unsqueeze(0)


def _attention(p, prefix, x, source, bias, allowed, cfg):
    """T5Attention.forward without caching: q/k/v/o projections, scores = q k^T (+ bias), softmax, o."""
    batch, n_heads, d_kv = x.shape[0], cfg["n_heads"], cfg["d_kv"]

    def heads(t):
        return t.view(batch, -1, n_heads, d_kv).transpose(1, 2)

    q = heads(F.linear(x, p[prefix + "q.weight"]))
    k = heads(F.linear(source, p[prefix + "k.weight"]))
    v = heads(F.linear(source, p[prefix + "v.weight"]))
    scores = torch.matmul(q, k.transpose(3, 2))
    if bias is not None:
        scores = scores + bias
    m = allowed[:, None]
    scores = scores.masked_fill(~m, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores.float(), dim=-1).type_as(scores) * m
    out = torch.matmul(weights, v).transpose(1, 2).reshape(batch, -1, n_heads * d_kv)
    return F.linear(out, p[prefix + "o.weight"])


def _feed_forward(p, prefix, x, cfg):
    """T5DenseActDense or T5DenseGatedActDense."""
    act = {"relu": F.relu, "gelu_new": lambda z: F.gelu(z, approximate="tanh"), "gelu": F.gelu, "silu": F.silu}[
        cfg["activation"]
    ]
    if cfg["gated"]:
        hidden = act(F.linear(x, p[prefix + "wi_0.weight"])) * F.linear(x, p[prefix + "wi_1.weight"])
    else:
        hidden = act(F.linear(x, p[prefix + "wi.weight"]))
    return F.linear(hidden, p[prefix + "wo.weight"])


def _masks(t):
    enc, dec = t["encoder_input_tokens"].long(), t["decoder_input_tokens"].long()
    batch, s, tl = enc.shape[0], enc.shape[1], dec.shape[1]
    enc_keys = (enc != 0)[:, None, :]
    encoder = enc_keys.expand(batch, s, s)
    causal = torch.tril(torch.ones(tl, tl, dtype=torch.bool))[None].expand(batch, tl, tl)
    cross = enc_keys.expand(batch, tl, s)
    if "encoder_segment_ids" in t:
        es, ds = t["encoder_segment_ids"].long(), t["decoder_segment_ids"].long()

        def same_segment(qs, ks):
            return (qs[:, :, None] == ks[:, None, :]) & (qs[:, :, None] != 0)

        encoder = encoder & same_segment(es, es)
        causal = causal & same_segment(ds, ds)
        cross = cross & same_segment(ds, es)
    return encoder, causal, cross


def _logits(p, t, cfg):
    eps = cfg["norm_eps"]
    encoder_mask, decoder_mask, cross_mask = _masks(t)
    enc_tokens, dec_tokens = t["encoder_input_tokens"].long(), t["decoder_input_tokens"].long()
    shared = p["shared.weight"]

    # T5Stack (encoder): block 0 computes the position bias, later blocks reuse it.
    x = F.embedding(enc_tokens, shared)
    bias = _compute_bias(p["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"], x.shape[1],
                         x.shape[1], True, cfg)
    for i in range(cfg["n_encoder_layers"]):
        b = f"encoder.block.{i}.layer."
        x = x + _self_attention(p, b, x, bias, encoder_mask, cfg)
        x = x + _feed_forward(p, b + "1.DenseReluDense.", _layer_norm(x, p[b + "1.layer_norm.weight"], eps), cfg)
    encoder_output = _layer_norm(x, p["encoder.final_layer_norm.weight"], eps)

    # T5Stack (decoder): causal self-attention with its own bias table, cross-attention without one.
    y = F.embedding(dec_tokens, shared)
    bias = _compute_bias(p["decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"], y.shape[1],
                         y.shape[1], False, cfg)
    for i in range(cfg["n_decoder_layers"]):
        b = f"decoder.block.{i}.layer."
        y = y + _self_attention(p, b, y, bias, decoder_mask, cfg)
        h = _layer_norm(y, p[b + "1.layer_norm.weight"], eps)
        y = y + _attention(p, b + "1.EncDecAttention.", h, encoder_output, None, cross_mask, cfg)
        y = y + _feed_forward(p, b + "2.DenseReluDense.", _layer_norm(y, p[b + "2.layer_norm.weight"], eps), cfg)
    y = _layer_norm(y, p["decoder.final_layer_norm.weight"], eps)
    if cfg["tie_embeddings"]:
        # T5ForConditionalGeneration: rescale before the tied projection.
        y = y * (shared.shape[1] ** -0.5)
        return F.linear(y, shared)
    return F.linear(y, p["lm_head.weight"])


def _self_attention(p, block, x, bias, mask, cfg):
    h = _layer_norm(x, p[block + "0.layer_norm.weight"], cfg["norm_eps"])
    return _attention(p, block + "0.SelfAttention.", h, h, bias, mask, cfg)


def t5_loss(t, cfg):
    """Logits, loss = sum(w * CE) / sum(w) (w: decoder_loss_weights, default target != 0) and the gradient of
    the loss for every parameter (outputs "grad.<name>")."""
    params = {k: v.clone().requires_grad_() for k, v in t.items() if k not in _BATCH_KEYS}
    logits = _logits(params, t, cfg)
    targets = t["decoder_target_tokens"].long()
    if "decoder_loss_weights" in t:
        weights = t["decoder_loss_weights"].to(logits.dtype)
    else:
        weights = (targets != 0).to(logits.dtype)
    token_losses = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    loss = (token_losses * weights.reshape(-1)).sum() / weights.sum()
    loss.backward()
    out = {"loss": loss.detach().reshape(1), "logits": logits.detach()}
    out.update({"grad." + k: v.grad for k, v in params.items()})
    return out
