"""PyTorch references for norms, activations and feed-forward blocks (tests/layers).

Each function mirrors the Hugging Face modeling code in plain torch, takes the upstream gradient "dy",
and returns the output and the autograd gradients of sum(output * dy).
"""
import math

import torch
import torch.nn.functional as F


def _leaves(t, names):
    return {n: t[n].detach().clone().requires_grad_(True) for n in names}


def _backward(out, dy):
    (out * dy).sum().backward()


def rms_norm(t, cfg):
    # transformers T5LayerNorm.forward (fp32 weights): no mean subtraction, no bias.
    v = _leaves(t, ["x", "weight"])
    x = v["x"]
    variance = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
    y = v["weight"] * (x * torch.rsqrt(variance + cfg.get("eps", 1e-6)))
    _backward(y, t["dy"])
    return {"y": y.detach(), "dx": v["x"].grad, "dweight": v["weight"].grad}


def layer_norm(t, cfg):
    v = _leaves(t, ["x", "weight", "bias"])
    x = v["x"]
    y = F.layer_norm(x, (x.shape[-1],), v["weight"], v["bias"], cfg.get("eps", 1e-5))
    _backward(y, t["dy"])
    return {"y": y.detach(), "dx": v["x"].grad, "dweight": v["weight"].grad, "dbias": v["bias"].grad}


def _gelu_new(x):
    # transformers NewGELUActivation.
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACTIVATIONS = {
    "relu": F.relu,
    "gelu_new": _gelu_new,
    "gelu": F.gelu,  # exact erf form (transformers GELUActivation)
    "silu": F.silu,
}


def activation(t, cfg):
    v = _leaves(t, ["x"])
    y = ACTIVATIONS[cfg["activation"]](v["x"])
    _backward(y, t["dy"])
    return {"y": y.detach(), "dx": v["x"].grad}


def gated_activation(t, cfg):
    # T5DenseGatedActDense / LlamaMLP: act(gate) * up.
    v = _leaves(t, ["gate", "up"])
    y = ACTIVATIONS[cfg["activation"]](v["gate"]) * v["up"]
    _backward(y, t["dy"])
    return {"y": y.detach(), "dgate": v["gate"].grad, "dup": v["up"].grad}


def _conv1d(x, weight_out_in, bias):
    # transformers Conv1D keeps its weight as [in, out]: y = addmm(bias, x, W). hone stores [out, in],
    # which is what the importer produces by transposing.
    w = weight_out_in.t()
    size_out = x.size()[:-1] + (w.size(-1),)
    return torch.addmm(bias, x.view(-1, x.size(-1)), w).view(size_out)


def feed_forward(t, cfg):
    kind = cfg["kind"]
    params = [n for n in t if n not in ("x", "dy")]
    v = _leaves(t, ["x"] + params)
    x = v["x"]
    if kind == "t5_dense_relu_dense":
        y = F.linear(F.relu(F.linear(x, v["wi.weight"])), v["wo.weight"])
    elif kind == "t5_dense_gated_act_dense":
        act = ACTIVATIONS[cfg.get("activation", "gelu_new")]
        hidden = act(F.linear(x, v["wi_0.weight"])) * F.linear(x, v["wi_1.weight"])
        y = F.linear(hidden, v["wo.weight"])
    elif kind == "llama_mlp":
        hidden = F.silu(F.linear(x, v["gate_proj.weight"])) * F.linear(x, v["up_proj.weight"])
        y = F.linear(hidden, v["down_proj.weight"])
    elif kind == "gpt2_mlp":
        hidden = _gelu_new(_conv1d(x, v["c_fc.weight"], v["c_fc.bias"]))
        y = _conv1d(hidden, v["c_proj.weight"], v["c_proj.bias"])
    else:
        raise ValueError(f"unknown feed-forward kind {kind}")
    _backward(y, t["dy"])
    out = {"y": y.detach(), "dx": v["x"].grad}
    for n in params:
        out["grad." + n] = v[n].grad
    return out
