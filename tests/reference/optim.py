"""Optimizer references: torch.optim on the same parameters and gradients."""
import torch


def adamw_steps(t, cfg):
    """Runs cfg["steps"] AdamW steps; gradients for step s are t[f"grad{s}_{name}"]. Weight decay only on
    parameters with 2+ dimensions, as hone does."""
    names = cfg["names"]
    params = {n: torch.nn.Parameter(t[n].clone()) for n in names}
    decay = [params[n] for n in names if params[n].dim() >= 2]
    no_decay = [params[n] for n in names if params[n].dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"])
    for s in range(cfg["steps"]):
        for n in names:
            params[n].grad = t[f"grad{s}_{n}"].clone()
        if cfg["max_grad_norm"] > 0:
            torch.nn.utils.clip_grad_norm_(list(params.values()), cfg["max_grad_norm"])
        opt.step()
    return {n: p.detach() for n, p in params.items()}
