"""GPT-2 inference with a key/value cache in plain PyTorch: the peer of GenPipe's Gpt2Model in bench/generation.py.

Written for speed, the way a careful PyTorch user would: weights taken out of their modules once (no module call
overhead), GPT-2's Conv1D as one fused `addmm` (bias included), `F.layer_norm`, `F.gelu(approximate="tanh")`
(GPT-2's gelu_new), attention as batched `baddbmm`/`bmm` over [batch * heads] with the scale folded into `alpha`, the
greedy choice by `argmax` on tensors (no Python per element, no `.item()` per step), all under `torch.inference_mode`.
Two caches, because which is faster depends on the sizes: "prealloc" writes each step's keys and values into buffers
of the full context length and attends to a slice of them; "cat" grows the cache with `torch.cat` every step. And two
ways to attend one new token: "bmm" (batched matrix products, what models usually do) or "mulsum" (a broadcast
multiply and a sum, which can be faster because PyTorch 1.13 runs `bmm` on CPU as one small product per matrix,
about 2 us each for batch x heads of them). The benchmark times every combination and keeps the fastest.
"""
import math

import torch
import torch.nn.functional as F


class Gpt2Decoder:
    """A Hugging Face GPT-2 (`transformer.*` names, tied `lm_head`) for batched greedy decoding."""

    VARIANTS = [(cache, attention) for cache in ("prealloc", "cat") for attention in ("bmm", "mulsum")]

    def __init__(self, weights, config, cache="prealloc", attention="bmm"):
        if cache not in ("prealloc", "cat"):
            raise ValueError(f"cache must be 'prealloc' or 'cat', not {cache!r}")
        if attention not in ("bmm", "mulsum"):
            raise ValueError(f"attention must be 'bmm' or 'mulsum', not {attention!r}")
        self.cache_kind = cache
        self.attention = attention
        self.layers = config["n_layer"]
        self.heads = config["n_head"]
        self.dim = config["n_embd"]
        self.head_dim = self.dim // self.heads
        self.positions = config["n_positions"]
        self.eps = config["layer_norm_epsilon"]
        self.scale = 1.0 / math.sqrt(self.head_dim)

        def w(name):
            tensor = weights.get("transformer." + name, weights.get(name))
            if tensor is None:
                raise KeyError(f"the checkpoint has no '{name}' (nor 'transformer.{name}')")
            return tensor.detach().float().contiguous()

        self.wte = w("wte.weight")
        self.wpe = w("wpe.weight")
        self.blocks = [
            tuple(w(f"h.{i}.{name}") for name in (
                "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
                "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                "mlp.c_proj.weight", "mlp.c_proj.bias"))
            for i in range(self.layers)
        ]
        self.ln_f = (w("ln_f.weight"), w("ln_f.bias"))
        self.batch = 0
        self.length = 0

    def reset(self, batch):
        """Empties the cache for `batch` sequences (buffers are kept when the batch size is unchanged)."""
        if self.cache_kind == "prealloc":
            if batch != self.batch:
                shape = (batch * self.heads, self.positions, self.head_dim)
                self.keys = [torch.empty(shape) for _ in range(self.layers)]
                self.values = [torch.empty(shape) for _ in range(self.layers)]
        else:
            self.keys = [None] * self.layers
            self.values = [None] * self.layers
        self.batch = batch
        self.length = 0

    def forward(self, ids):
        """Appends ids [batch, new] to the cache; returns the logits of the last new position, [batch, vocab]."""
        b, t = ids.shape
        h, d, c = self.heads, self.head_dim, self.dim
        past = self.length
        total = past + t
        x = F.embedding(ids, self.wte) + self.wpe[past:total]
        x = x.view(b * t, c)
        # Queries see every cached key and the new ones up to their own position; one new token needs no mask.
        mask = None
        if t > 1:
            mask = torch.full((t, total), float("-inf")).triu_(past + 1)
        for layer, (g1, b1, wa, ba, wp, bp, g2, b2, wf, bf, wq, bq) in enumerate(self.blocks):
            y = F.layer_norm(x, (c,), g1, b1, self.eps)
            qkv = torch.addmm(ba, y, wa).view(b, t, 3, h, d)
            # [3, b * h, t, d]: heads to the batch axis, so attention is a batched matrix product.
            q, k, v = qkv.permute(2, 0, 3, 1, 4).reshape(3, b * h, t, d).unbind(0)
            if self.cache_kind == "prealloc":
                self.keys[layer][:, past:total] = k
                self.values[layer][:, past:total] = v
                keys = self.keys[layer][:, :total]
                values = self.values[layer][:, :total]
            else:
                keys = k if past == 0 else torch.cat((self.keys[layer], k), 1)
                values = v if past == 0 else torch.cat((self.values[layer], v), 1)
                self.keys[layer], self.values[layer] = keys, values
            if mask is not None:
                scores = torch.baddbmm(mask, q, keys.transpose(1, 2), alpha=self.scale)
                attended = torch.bmm(scores.softmax(-1), values)  # [b * h, t, d]
            elif self.attention == "bmm":
                scores = torch.bmm(q, keys.transpose(1, 2)).mul_(self.scale)
                attended = torch.bmm(scores.softmax(-1), values)
            else:  # one query per (sequence, head): [b * h, 1, d] * [b * h, total, d] summed over d, then over keys
                scores = (q * keys).sum(-1).mul_(self.scale)
                attended = (scores.softmax(-1).unsqueeze(-1) * values).sum(1, keepdim=True)
            attended = attended.view(b, h, t, d).transpose(1, 2).reshape(b * t, c)
            x = torch.addmm(bp, attended, wp).add_(x)
            y = F.layer_norm(x, (c,), g2, b2, self.eps)
            y = F.gelu(torch.addmm(bf, y, wf), approximate="tanh")
            x = torch.addmm(bq, y, wq).add_(x)
        self.length = total
        last = x.view(b, t, c)[:, -1]
        return F.linear(F.layer_norm(last, (c,), self.ln_f[0], self.ln_f[1], self.eps), self.wte)

    def prefill(self, prompts):
        """Empties the cache, feeds prompts [batch, length] and returns the first greedy tokens, [batch]."""
        self.reset(prompts.shape[0])
        return self.forward(prompts).argmax(-1)

    def decode(self, first, steps):
        """Greedy decoding: feeds `first` [batch] and each chosen token after it, `steps` times; returns [batch, steps]."""
        out = torch.empty(first.shape[0], steps, dtype=torch.long)
        token = first
        for n in range(steps):
            token = self.forward(token.view(-1, 1)).argmax(-1)
            out[:, n] = token
        return out
