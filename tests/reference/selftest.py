"""Checks of the reference bridge itself and of the GEMM/elementwise kernels."""
import torch


def echo_scaled(t, cfg):
    return {name: value * cfg["factor"] for name, value in t.items()}


def fail(t, cfg):
    raise ValueError("deliberate failure")


def matmul(t, cfg):
    a, b = t["a"], t["b"]
    if cfg["trans_a"]:
        a = a.transpose(-1, -2)
    if cfg["trans_b"]:
        b = b.transpose(-1, -2)
    return {"c": cfg["alpha"] * torch.matmul(a, b) + cfg["beta"] * t["c"]}
