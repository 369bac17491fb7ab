"""References for the embedding, the LM head + cross-entropy (with ignore_index, per-token weights,
z-loss, a constant normalizer) and the scoring path: plain torch, gradients by autograd."""
import torch
import torch.nn.functional as F


def embedding(t, cfg):
    """F.embedding forward, and the table gradient for upstream gradient dy."""
    table = t["table"].clone().requires_grad_(True)
    out = F.embedding(t["ids"].long(), table)
    out.backward(t["dy"])
    return {"out": out.detach(), "dtable": table.grad}


def lm_head_loss(t, cfg):
    """logits = hidden @ weight^T; per-token l_i = CE_i + z_loss * logsumexp_i^2 (T5X's z-loss);
    loss = sum(w_i l_i over non-ignored) / normalizer, the normalizer being cfg["normalizer"] when > 0 and
    the summed weight of non-ignored tokens otherwise. With unit weights, z_loss 0 and the default
    normalizer this is exactly F.cross_entropy(logits, targets, ignore_index=...)."""
    hidden = t["hidden"].clone().requires_grad_(True)
    weight = t["weight"].clone().requires_grad_(True)
    targets = t["targets"].long()
    ignore_index = cfg["ignore_index"]
    logits = hidden @ weight.t()
    token_ce = F.cross_entropy(logits, targets, ignore_index=ignore_index, reduction="none")
    keep = (targets != ignore_index).to(logits.dtype)
    lse = torch.logsumexp(logits, dim=-1)
    token_losses = (token_ce + cfg["z_loss"] * lse * lse) * keep
    weights = t["token_weights"] if "token_weights" in t else torch.ones_like(token_ce)
    normalizer = cfg["normalizer"] if cfg["normalizer"] > 0 else (weights * keep).sum()
    loss = (weights * token_losses).sum() / normalizer
    if cfg.get("check_against_cross_entropy", False):
        # The plain case must agree with PyTorch's own mean reduction.
        plain = F.cross_entropy(logits, targets, ignore_index=ignore_index)
        assert torch.allclose(plain, loss, rtol=1e-6, atol=1e-6), (plain.item(), loss.item())
    loss.backward()
    return {"loss": loss.detach().reshape(1), "token_losses": token_losses.detach(), "dhidden": hidden.grad,
            "dweight": weight.grad}


def lm_head_score(t, cfg):
    """log_softmax(logits)[target] (0 where ignored) and logsumexp of every row."""
    logits = t["hidden"] @ t["weight"].t()
    targets = t["targets"].long()
    ignored = targets == cfg["ignore_index"]
    logprobs = F.log_softmax(logits, dim=-1).gather(1, targets.clamp(min=0).unsqueeze(1)).squeeze(1)
    return {"target_logprobs": logprobs.masked_fill(ignored, 0.0), "logsumexp": torch.logsumexp(logits, dim=-1)}
