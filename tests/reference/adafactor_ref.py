"""Adafactor references. Debian's torch (1.13) has no torch.optim.Adafactor, so both optimizers are
written out here as plain torch code that mirrors, statement by statement:
  - hf_adafactor_steps: Hugging Face transformers, src/transformers/optimization.py, class Adafactor
    (Adafactor.step, _get_lr, _rms, _approx_sq_grad; transformers 4.4x, unchanged in substance since 4.0);
  - torch_adafactor_steps: PyTorch 2.5+, torch/optim/_adafactor.py, _single_tensor_adafactor
    (the default for-loop implementation), with maximize=False.
Inputs: the initial parameters t[name] and the gradients t[f"grad{s}_{name}"] of step s. Outputs: every
parameter after every step, f"{name}_step{s}" (s = 0 is after the first step)."""
import math

import torch


def _rms(tensor):
    return tensor.norm(2) / (tensor.numel() ** 0.5)


def _approx_sq_grad(exp_avg_sq_row, exp_avg_sq_col):
    r_factor = (exp_avg_sq_row / exp_avg_sq_row.mean(dim=-1, keepdim=True)).rsqrt_().unsqueeze(-1)
    c_factor = exp_avg_sq_col.unsqueeze(-2).rsqrt()
    return torch.mul(r_factor, c_factor)


def _hf_get_lr(group, state):
    rel_step_sz = group["lr"]
    if group["relative_step"]:
        min_step = 1e-6 * state["step"] if group["warmup_init"] else 1e-2
        rel_step_sz = min(min_step, 1.0 / math.sqrt(state["step"]))
    param_scale = 1.0
    if group["scale_parameter"]:
        param_scale = max(group["eps"][1], state["RMS"])
    return param_scale * rel_step_sz


@torch.no_grad()
def _hf_step(params, grads, states, group):
    for name, p in params.items():
        grad = grads[name]
        state = states[name]
        grad_shape = grad.shape
        factored = len(grad_shape) >= 2
        use_first_moment = group["beta1"] is not None
        if len(state) == 0:
            state["step"] = 0
            if use_first_moment:
                state["exp_avg"] = torch.zeros_like(grad)
            if factored:
                state["exp_avg_sq_row"] = torch.zeros(grad_shape[:-1]).to(grad)
                state["exp_avg_sq_col"] = torch.zeros(grad_shape[:-2] + grad_shape[-1:]).to(grad)
            else:
                state["exp_avg_sq"] = torch.zeros_like(grad)
            state["RMS"] = 0

        state["step"] += 1
        state["RMS"] = _rms(p)
        lr = _hf_get_lr(group, state)

        beta2t = 1.0 - math.pow(state["step"], group["decay_rate"])
        update = (grad**2) + group["eps"][0]
        if factored:
            exp_avg_sq_row = state["exp_avg_sq_row"]
            exp_avg_sq_col = state["exp_avg_sq_col"]
            exp_avg_sq_row.mul_(beta2t).add_(update.mean(dim=-1), alpha=(1.0 - beta2t))
            exp_avg_sq_col.mul_(beta2t).add_(update.mean(dim=-2), alpha=(1.0 - beta2t))
            update = _approx_sq_grad(exp_avg_sq_row, exp_avg_sq_col)
            update.mul_(grad)
        else:
            exp_avg_sq = state["exp_avg_sq"]
            exp_avg_sq.mul_(beta2t).add_(update, alpha=(1.0 - beta2t))
            update = exp_avg_sq.rsqrt().mul_(grad)

        update.div_((_rms(update) / group["clip_threshold"]).clamp_(min=1.0))
        update.mul_(lr)

        if use_first_moment:
            exp_avg = state["exp_avg"]
            exp_avg.mul_(group["beta1"]).add_(update, alpha=(1 - group["beta1"]))
            update = exp_avg

        if group["weight_decay"] != 0:
            p.add_(p, alpha=(-group["weight_decay"] * lr))

        p.add_(-update)


def hf_adafactor_steps(t, cfg):
    """transformers.optimization.Adafactor with cfg's options (lr None = unset, beta1 None = unset)."""
    names = cfg["names"]
    params = {n: t[n].clone() for n in names}
    group = {
        "lr": cfg.get("lr"), "eps": (cfg.get("eps1", 1e-30), cfg.get("eps2", 1e-3)),
        "clip_threshold": cfg.get("clip_threshold", 1.0), "decay_rate": cfg.get("decay_rate", -0.8),
        "beta1": cfg.get("beta1"), "weight_decay": cfg.get("weight_decay", 0.0),
        "scale_parameter": cfg.get("scale_parameter", True), "relative_step": cfg.get("relative_step", True),
        "warmup_init": cfg.get("warmup_init", False),
    }
    if group["lr"] is not None and group["relative_step"]:
        raise ValueError("Cannot combine manual `lr` and `relative_step=True` options")
    if group["warmup_init"] and not group["relative_step"]:
        raise ValueError("`warmup_init=True` requires `relative_step=True`")
    states = {n: {} for n in names}
    out = {}
    for s in range(cfg["steps"]):
        _hf_step(params, {n: t[f"grad{s}_{n}"] for n in names}, states, group)
        for n in names:
            out[f"{n}_step{s}"] = params[n].clone()
    return out


@torch.no_grad()
def _torch_single_tensor_adafactor(params, grads, row_vars, col_vars, variances, state_steps, *, d, lr,
                                   beta2_decay, weight_decay, eps1, eps2):
    for i, param in enumerate(params):
        grad = grads[i]
        step_t = state_steps[i]
        row_var = row_vars[i]
        col_var = col_vars[i]
        variance = variances[i]
        if eps1 is None:
            eps1 = torch.finfo(param.dtype).eps

        step_t += 1
        step_float = step_t.item()

        one_minus_beta2_t = step_float**beta2_decay
        rho_t = min(lr, 1 / (step_float**0.5))
        alpha = max(eps2, param.norm(2).item() / (param.numel() ** 0.5)) * rho_t

        if weight_decay != 0:
            param.mul_(1 - lr * weight_decay)

        if grad.dim() > 1:
            row_mean = torch.linalg.vector_norm(grad, dim=-1, keepdim=True).square_().div_(grad.size(-1))
            row_var.lerp_(row_mean, one_minus_beta2_t)
            col_mean = torch.linalg.vector_norm(grad, dim=-2, keepdim=True).square_().div_(grad.size(-2))
            col_var.lerp_(col_mean, one_minus_beta2_t)
            var_estimate = row_var @ col_var
            var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))
        else:
            grad_squared = grad * grad
            variance.lerp_(grad_squared, one_minus_beta2_t)
            var_estimate = variance.clone()

        update = var_estimate.clamp_(min=eps1 * eps1).rsqrt_()
        update.mul_(grad)
        denom = max(1.0, update.norm(2).item() / ((update.numel() ** 0.5) * d))
        param.add_(update, alpha=-alpha / denom)


def torch_adafactor_steps(t, cfg):
    """torch.optim.Adafactor (2.5+) with cfg's options (eps1 None = the dtype's machine epsilon)."""
    names = cfg["names"]
    params = [t[n].clone() for n in names]
    row_vars, col_vars, variances = [], [], []
    for p in params:  # Adafactor._init_group's state initialisation
        if p.dim() > 1:
            row_shape = list(p.shape)
            row_shape[-1] = 1
            col_shape = list(p.shape)
            col_shape[-2] = 1
            row_vars.append(p.new_zeros(row_shape))
            col_vars.append(p.new_zeros(col_shape))
            variances.append(None)
        else:
            row_vars.append(None)
            col_vars.append(None)
            variances.append(torch.zeros_like(p))
    state_steps = [torch.tensor(0.0, dtype=torch.float32) for _ in params]
    out = {}
    for s in range(cfg["steps"]):
        grads = [t[f"grad{s}_{n}"] for n in names]
        _torch_single_tensor_adafactor(
            params, grads, row_vars, col_vars, variances, state_steps, d=cfg.get("d", 1.0),
            lr=cfg.get("lr", 1e-2), beta2_decay=cfg.get("beta2_decay", -0.8),
            weight_decay=cfg.get("weight_decay", 0.0), eps1=cfg.get("eps1"), eps2=cfg.get("eps2", 1e-3))
        for n, p in zip(names, params):
            out[f"{n}_step{s}"] = p.clone()
    return out
