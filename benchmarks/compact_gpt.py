"""A compact GPT-2-shaped causal LM in plain PyTorch, the hand-written baseline of bench_train_loop.py.

Same shape as transformers' GPT2LMHeadModel built from an LMConfig: learned token and position
embeddings, pre-LayerNorm blocks (causal self-attention through F.scaled_dot_product_attention,
exact-GELU MLP 4x wide, biases everywhere), a final LayerNorm and an output head tied to the token
embedding. Initialisation follows GPT-2: N(0, 0.02), residual output projections scaled by
1/sqrt(2 * n_layer), zero biases. No dropout, no KV cache, no generation: it exists to be trained.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, n_embd: int, n_head: int):
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd {n_embd} is not a multiple of n_head {n_head}")
        self.n_head = n_head
        self.qkv = nn.Linear(n_embd, 3 * n_embd)
        self.out = nn.Linear(n_embd, n_embd)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        # (B, T, 3C) -> three (B, heads, T, head_dim) tensors
        q, k, v = self.qkv(x).view(batch, length, 3, self.n_head, width // self.n_head).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(batch, length, width))


class Block(nn.Module):
    def __init__(self, n_embd: int, n_head: int):
        super().__init__()
        self.norm_attn = nn.LayerNorm(n_embd)
        self.attn = SelfAttention(n_embd, n_head)
        self.norm_mlp = nn.LayerNorm(n_embd)
        self.mlp_in = nn.Linear(n_embd, 4 * n_embd)
        self.mlp_out = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm_attn(x))
        return x + self.mlp_out(F.gelu(self.mlp_in(self.norm_mlp(x))))


class CompactGPT(nn.Module):
    def __init__(self, vocab_size: int, n_ctx: int, n_layer: int, n_head: int, n_embd: int, seed: int = 0):
        super().__init__()
        self.n_ctx = n_ctx
        self.token_embedding = nn.Embedding(vocab_size, n_embd)
        self.position_embedding = nn.Embedding(n_ctx, n_embd)
        self.blocks = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.norm_out = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        self.head.weight = self.token_embedding.weight  # tied: one matrix reads and writes tokens
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.apply(self._init)
            for block in self.blocks:  # residual writes scaled down so the stream's variance stays ~1
                for proj in (block.attn.out, block.mlp_out):
                    nn.init.normal_(proj.weight, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits (B, T, vocab) for token ids (B, T), T <= n_ctx."""
        length = idx.size(1)
        if length > self.n_ctx:
            raise ValueError(f"sequence of {length} tokens is longer than n_ctx {self.n_ctx}")
        positions = torch.arange(length, device=idx.device)
        x = self.token_embedding(idx) + self.position_embedding(positions)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm_out(x))
