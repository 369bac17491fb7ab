"""Writes a model directory the way Hugging Face lays it out (config.json as transformers writes it for
T5ForConditionalGeneration / LlamaForCausalLM, model.safetensors with the state-dict names and
metadata format=pt) from random weights, and returns the logits of those weights computed by the plain-torch
references (t5_model.py, models.py). The names and shapes come from the Hugging Face module structure,
written out here independently of hone."""
import json
import os

import torch

import models
import st_io
import t5_model


def _t5_shapes(c):
    d, f, inner, h = c["d_model"], c["d_ff"], c["n_heads"] * c["d_kv"], c["n_heads"]
    shapes = {"shared.weight": [c["vocab_size"], d]}

    def attention(prefix, bias):
        for n in ("q", "k", "v"):
            shapes[f"{prefix}.{n}.weight"] = [inner, d]
        shapes[f"{prefix}.o.weight"] = [d, inner]
        if bias:
            shapes[f"{prefix}.relative_attention_bias.weight"] = [c["relative_attention_num_buckets"], h]

    def ffn(prefix):
        if c["gated"]:
            shapes[f"{prefix}.DenseReluDense.wi_0.weight"] = [f, d]
            shapes[f"{prefix}.DenseReluDense.wi_1.weight"] = [f, d]
        else:
            shapes[f"{prefix}.DenseReluDense.wi.weight"] = [f, d]
        shapes[f"{prefix}.DenseReluDense.wo.weight"] = [d, f]
        shapes[f"{prefix}.layer_norm.weight"] = [d]

    for i in range(c["n_encoder_layers"]):
        attention(f"encoder.block.{i}.layer.0.SelfAttention", i == 0)
        shapes[f"encoder.block.{i}.layer.0.layer_norm.weight"] = [d]
        ffn(f"encoder.block.{i}.layer.1")
    shapes["encoder.final_layer_norm.weight"] = [d]
    for i in range(c["n_decoder_layers"]):
        attention(f"decoder.block.{i}.layer.0.SelfAttention", i == 0)
        shapes[f"decoder.block.{i}.layer.0.layer_norm.weight"] = [d]
        attention(f"decoder.block.{i}.layer.1.EncDecAttention", False)
        shapes[f"decoder.block.{i}.layer.1.layer_norm.weight"] = [d]
        ffn(f"decoder.block.{i}.layer.2")
    shapes["decoder.final_layer_norm.weight"] = [d]
    if not c["tie_embeddings"]:
        shapes["lm_head.weight"] = [c["vocab_size"], d]
    return shapes


def _llama_shapes(c):
    d, f, head = c["d_model"], c["d_ff"], c["d_model"] // c["n_heads"]
    shapes = {"model.embed_tokens.weight": [c["vocab_size"], d]}
    for i in range(c["n_layers"]):
        p = f"model.layers.{i}."
        shapes[p + "self_attn.q_proj.weight"] = [c["n_heads"] * head, d]
        shapes[p + "self_attn.k_proj.weight"] = [c["n_kv_heads"] * head, d]
        shapes[p + "self_attn.v_proj.weight"] = [c["n_kv_heads"] * head, d]
        shapes[p + "self_attn.o_proj.weight"] = [d, c["n_heads"] * head]
        shapes[p + "mlp.gate_proj.weight"] = [f, d]
        shapes[p + "mlp.up_proj.weight"] = [f, d]
        shapes[p + "mlp.down_proj.weight"] = [d, f]
        shapes[p + "input_layernorm.weight"] = [d]
        shapes[p + "post_attention_layernorm.weight"] = [d]
    shapes["model.norm.weight"] = [d]
    if not c["tie_embeddings"]:
        shapes["lm_head.weight"] = [c["vocab_size"], d]
    return shapes


def _gpt2_shapes(c):
    """GPT2LMHeadModel's state dict: Conv1D weights [in, out], q/k/v fused in c_attn."""
    d, f, n = c["d_model"], c["d_ff"], c["max_positions"]
    shapes = {"transformer.wte.weight": [c["vocab_size"], d], "transformer.wpe.weight": [n, d]}
    for i in range(c["n_layers"]):
        p = f"transformer.h.{i}."
        shapes.update({p + "ln_1.weight": [d], p + "ln_1.bias": [d],
                       p + "attn.c_attn.weight": [d, 3 * d], p + "attn.c_attn.bias": [3 * d],
                       p + "attn.c_proj.weight": [d, d], p + "attn.c_proj.bias": [d],
                       p + "ln_2.weight": [d], p + "ln_2.bias": [d],
                       p + "mlp.c_fc.weight": [d, f], p + "mlp.c_fc.bias": [f],
                       p + "mlp.c_proj.weight": [f, d], p + "mlp.c_proj.bias": [d]})
    shapes["transformer.ln_f.weight"] = [d]
    shapes["transformer.ln_f.bias"] = [d]
    return shapes


def _hf_config(c):
    if c["kind"] == "gpt2":
        return {
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": c["vocab_size"],
            "n_embd": c["d_model"], "n_layer": c["n_layers"], "n_head": c["n_heads"], "n_inner": c["d_ff"],
            "n_positions": c["max_positions"], "layer_norm_epsilon": c["norm_eps"],
            "activation_function": "gelu_new", "tie_word_embeddings": True, "bos_token_id": 0,
            "eos_token_id": 0, "torch_dtype": "float32", "transformers_version": "4.40.0",
        }
    if c["kind"] == "t5":
        return {
            "architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "vocab_size": c["vocab_size"],
            "d_model": c["d_model"], "d_kv": c["d_kv"], "d_ff": c["d_ff"], "num_layers": c["n_encoder_layers"],
            "num_decoder_layers": c["n_decoder_layers"], "num_heads": c["n_heads"],
            "relative_attention_num_buckets": c["relative_attention_num_buckets"],
            "relative_attention_max_distance": c["relative_attention_max_distance"], "dropout_rate": 0.1,
            "layer_norm_epsilon": c["norm_eps"],
            "feed_forward_proj": ("gated-" if c["gated"] else "") + c["activation"],
            "tie_word_embeddings": c["tie_embeddings"], "is_encoder_decoder": True, "pad_token_id": 0,
            "eos_token_id": 1, "decoder_start_token_id": 0, "torch_dtype": "float32",
            "transformers_version": "4.40.0",
        }
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": c["vocab_size"],
        "hidden_size": c["d_model"], "intermediate_size": c["d_ff"], "num_hidden_layers": c["n_layers"],
        "num_attention_heads": c["n_heads"], "num_key_value_heads": c["n_kv_heads"],
        "max_position_embeddings": 64, "rms_norm_eps": c["norm_eps"], "rope_theta": c["rope_theta"],
        "hidden_act": "silu", "tie_word_embeddings": c["tie_embeddings"], "bos_token_id": 1, "eos_token_id": 2,
        "attention_bias": False, "torch_dtype": "float32", "transformers_version": "4.40.0",
    }


def write_hf_directory(t, cfg):
    """cfg: kind ("t5" / "llama"), dir, dtype ("F32" / "BF16" as stored), seed and the model sizes.
    Inputs: t5: encoder_input_tokens, decoder_input_tokens; llama: tokens. Returns logits computed from
    the weights exactly as stored (BF16 weights widened to float32)."""
    torch.manual_seed(cfg["seed"])
    shapes = {"t5": _t5_shapes, "llama": _llama_shapes, "gpt2": _gpt2_shapes}[cfg["kind"]](cfg)
    params = {}
    for name, shape in shapes.items():
        if len(shape) == 1:
            w = 1.0 + 0.1 * torch.randn(shape)  # norm weights near 1
        else:
            w = torch.randn(shape) * (0.5 if "embed" in name or "shared" in name else shape[-1] ** -0.5)
        params[name] = w
    stored = {k: (v.bfloat16() if cfg["dtype"] == "BF16" else v) for k, v in params.items()}
    if cfg["kind"] == "t5":
        # Older transformers versions also saved the embedding aliases of shared.weight.
        stored["encoder.embed_tokens.weight"] = stored["shared.weight"]
        stored["decoder.embed_tokens.weight"] = stored["shared.weight"]
    if cfg["kind"] == "gpt2":
        # As the hub's gpt2 file: saved from GPT2Model (no "transformer." prefix), with the causal-mask
        # buffers older transformers versions wrote.
        n = cfg["max_positions"]
        stored = {k.removeprefix("transformer."): v for k, v in stored.items()}
        for i in range(cfg["n_layers"]):
            stored[f"h.{i}.attn.bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
            stored[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    os.makedirs(cfg["dir"], exist_ok=True)
    st_io.save(os.path.join(cfg["dir"], "model.safetensors"), stored, {"format": "pt"})
    with open(os.path.join(cfg["dir"], "config.json"), "w") as f:
        json.dump(_hf_config(cfg), f, indent=2)
    used = {k: v.float() for k, v in stored.items()}
    if cfg["kind"] == "gpt2":
        used = {"transformer." + k: v.float() for k, v in stored.items() if not k.endswith((".attn.bias", ".masked_bias"))}
    with torch.no_grad():
        if cfg["kind"] == "t5":
            batch = {"encoder_input_tokens": t["encoder_input_tokens"], "decoder_input_tokens": t["decoder_input_tokens"]}
            logits = t5_model._logits(used, batch, cfg)
        else:
            tokens = t["tokens"]
            inputs = dict(used, tokens=tokens, targets=torch.zeros_like(tokens))
            logits = None
    if cfg["kind"] == "llama":
        logits = models.llama_loss(inputs, cfg)["logits"]
    if cfg["kind"] == "gpt2":
        tokens = t["tokens"]
        logits = models.gpt2_loss(dict(used, tokens=tokens, targets=torch.zeros_like(tokens)), cfg)["logits"]
    return {"logits": logits}
