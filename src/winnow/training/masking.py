"""The masked-LM objective (BERT): which tokens a model must predict, and its loss on them."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from transformers import PreTrainedModel


def masking_ids(model: PreTrainedModel) -> dict:
    """What masking needs from a masked LM's config (build_model stores the tokenizer's ids there)."""
    config = model.config
    special = [i for i in (config.eos_token_id, config.pad_token_id, config.mask_token_id) if i is not None]
    return {"mask": config.mask_token_id, "special": special, "vocab_size": config.vocab_size}


def mask_tokens(inputs: torch.Tensor, ids: dict, mask_prob: float, seed: int, step: int) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's dynamic masking: (masked inputs, labels with -100 where nothing is predicted).

    Of the chosen tokens 80 % become MASK, 10 % a random token and 10 % stay. The mask is drawn
    from (seed, step), so a block seen twice gets two different masks and a resumed run draws the
    same masks as an uninterrupted one. Special tokens are never masked.
    """
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    special = torch.isin(inputs, torch.tensor(ids["special"]))
    chosen = (torch.rand(inputs.shape, generator=generator) < mask_prob) & ~special
    action = torch.rand(inputs.shape, generator=generator)
    random_ids = torch.randint(ids["vocab_size"], inputs.shape, generator=generator)
    masked = inputs.clone()
    masked[chosen & (action < 0.8)] = ids["mask"]
    swap = chosen & (action >= 0.8) & (action < 0.9)
    masked[swap] = random_ids[swap]
    return masked, torch.where(chosen, inputs, torch.full_like(inputs, -100))


def masked_lm_loss(model: PreTrainedModel, inputs: torch.Tensor, labels: torch.Tensor, attention_mask=None,
                   reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy over the masked positions only (nats), computed in fp32 even under bf16 autocast."""
    logits = model(input_ids=inputs, attention_mask=attention_mask).logits
    return F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=-100,
                           reduction=reduction)
