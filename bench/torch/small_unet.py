"""SmallUNet in plain PyTorch: the same model as GenPipe.Nn.Models.SmallUNet, with the same parameter names.

The structure and names follow diffusers' UNet2DModel (positional time embedding, DownBlock2D levels with attention
on the deepest, UNetMidBlock2D, mirrored up blocks with skip concatenation), written from scratch so that no diffusers
install is needed. Importable by benchmarks:

    from small_unet import build_small_unet, SmallUNetConfig, export_weights
    model = build_small_unet(seed=0)             # deterministic random weights, eval mode
    synthetic_weights_(SmallUNet())              # weights GenPipe.Nn.SyntheticWeightSource rebuilds without a file
    out = model(sample, timesteps)               # sample [B, 4, 32, 32], timesteps [B]
    export_weights(model, "unet.safetensors")    # via tools/fixtures/safetensors_io.py
"""
import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "fixtures"))
from sd_torch_layers import ResnetBlock2D  # noqa: E402  (diffusers' resnet, shared with the Stable Diffusion models)


@dataclass
class SmallUNetConfig:
    """Mirrors GenPipe.Nn.Models.SmallUNetConfig (defaults: the 4x32x32 latent denoiser, ~14M parameters)."""

    in_channels: int = 4
    out_channels: int = 4
    block_out_channels: tuple = (64, 128, 256)
    attention_levels: tuple = (False, False, True)
    layers_per_block: int = 2
    norm_num_groups: int = 32
    norm_eps: float = 1e-5
    attention_head_dim: int = 32
    flip_sin_to_cos: bool = True
    freq_shift: float = 0.0

    @property
    def time_embed_dim(self):
        return self.block_out_channels[0] * 4


def timestep_features(timesteps, dim, flip_sin_to_cos, shift, scale=1.0, max_period=10000.0):
    """Sinusoidal features as diffusers' get_timestep_embedding: [N] -> [N, dim]."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float32) / (half - shift)
    args = timesteps[:, None].float() * torch.exp(exponent)[None, :] * scale
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1))
    return emb


class Timesteps(nn.Module):
    def __init__(self, channels, flip_sin_to_cos=True, shift=0.0, scale=1.0):
        super().__init__()
        self.channels, self.flip, self.shift, self.scale = channels, flip_sin_to_cos, shift, scale

    def forward(self, timesteps):
        return timestep_features(timesteps, self.channels, self.flip, self.shift, self.scale)


class TimestepEmbedding(nn.Module):
    def __init__(self, in_channels, embed_dim):
        super().__init__()
        self.linear_1 = nn.Linear(in_channels, embed_dim)
        self.linear_2 = nn.Linear(embed_dim, embed_dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


class Attention(nn.Module):
    """diffusers-style Attention: to_q/to_k/to_v/to_out.0, optional group_norm, residual connection."""

    def __init__(self, query_dim, heads, dim_head, cross_attention_dim=None, bias=False, out_bias=True,
                 norm_num_groups=None, eps=1e-5, residual_connection=False, rescale_output_factor=1.0):
        super().__init__()
        inner = heads * dim_head
        context_dim = cross_attention_dim if cross_attention_dim is not None else query_dim
        self.heads, self.dim_head = heads, dim_head
        self.residual_connection, self.rescale_output_factor = residual_connection, rescale_output_factor
        self.group_norm = nn.GroupNorm(norm_num_groups, query_dim, eps=eps) if norm_num_groups else None
        self.to_q = nn.Linear(query_dim, inner, bias=bias)
        self.to_k = nn.Linear(context_dim, inner, bias=bias)
        self.to_v = nn.Linear(context_dim, inner, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim, bias=out_bias), nn.Dropout(0.0)])

    def forward(self, hidden, context=None):
        residual = hidden
        image = hidden.ndim == 4
        if image:
            b, c, h, w = hidden.shape
            hidden = hidden.reshape(b, c, h * w).transpose(1, 2)
        if self.group_norm is not None:
            hidden = self.group_norm(hidden.transpose(1, 2)).transpose(1, 2)
        source = hidden if context is None else context
        b, lq, _ = hidden.shape
        lk = source.shape[1]

        def split(x, length):
            return x.reshape(b, length, self.heads, self.dim_head).permute(0, 2, 1, 3)

        q, k, v = split(self.to_q(hidden), lq), split(self.to_k(source), lk), split(self.to_v(source), lk)
        scores = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dim_head), dim=-1)
        out = (scores @ v).permute(0, 2, 1, 3).reshape(b, lq, self.heads * self.dim_head)
        out = self.to_out[1](self.to_out[0](out))
        if image:
            out = out.transpose(1, 2).reshape(b, c, h, w)
        if self.residual_connection:
            out = out + residual
        return out / self.rescale_output_factor


def unet_attention(channels, head_dim, groups, eps):
    return Attention(channels, channels // head_dim, head_dim, bias=True, norm_num_groups=groups, eps=eps,
                     residual_connection=True)


class Downsample2D(nn.Module):
    def __init__(self, channels, out_channels=None, padding=1):
        super().__init__()
        self.conv = nn.Conv2d(channels, out_channels or channels, 3, stride=2, padding=padding)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, channels, out_channels=None):
        super().__init__()
        self.conv = nn.Conv2d(channels, out_channels or channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class FeedForward(nn.Module):
    """diffusers FeedForward: net.0.proj, GELU ("gelu") or GEGLU ("geglu": proj twice as wide, hidden * gelu(gate)),
    net.2."""

    def __init__(self, dim, inner_dim, activation_fn="gelu"):
        super().__init__()
        self.geglu = activation_fn == "geglu"
        act = nn.Module()
        act.proj = nn.Linear(dim, inner_dim * (2 if self.geglu else 1))
        self.net = nn.ModuleList([act, nn.Dropout(0.0), nn.Linear(inner_dim, dim)])

    def forward(self, x):
        h = self.net[0].proj(x)
        if self.geglu:
            hidden, gate = h.chunk(2, dim=-1)
            h = hidden * F.gelu(gate)
        else:
            h = F.gelu(h)
        return self.net[2](h)


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, dim_head, cross_attention_dim=None, attention_bias=False, activation_fn="geglu"):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, heads, dim_head, bias=attention_bias)
        if cross_attention_dim is not None:
            self.norm2 = nn.LayerNorm(dim)
            self.attn2 = Attention(dim, heads, dim_head, cross_attention_dim, bias=attention_bias)
        else:
            self.norm2 = self.attn2 = None
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim, dim * 4, activation_fn)

    def forward(self, x, context=None):
        x = self.attn1(self.norm1(x)) + x
        if self.attn2 is not None:
            x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class DownBlock2D(nn.Module):
    def __init__(self, in_channels, out_channels, temb, layers, head_dim, add_downsample, groups, eps):
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, temb, groups, eps) for i in range(layers)])
        self.attentions = nn.ModuleList(
            [unet_attention(out_channels, head_dim, groups, eps) for _ in range(layers)]) if head_dim else None
        self.downsamplers = nn.ModuleList([Downsample2D(out_channels)]) if add_downsample else None

    def forward(self, h, temb, skips):
        for i, resnet in enumerate(self.resnets):
            h = resnet(h, temb)
            if self.attentions is not None:
                h = self.attentions[i](h)
            skips.append(h)
        if self.downsamplers is not None:
            h = self.downsamplers[0](h)
            skips.append(h)
        return h


class UNetMidBlock2D(nn.Module):
    def __init__(self, channels, temb, head_dim, groups, eps):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(channels, channels, temb, groups, eps) for _ in range(2)])
        self.attentions = nn.ModuleList([unet_attention(channels, head_dim, groups, eps)])

    def forward(self, h, temb):
        return self.resnets[1](self.attentions[0](self.resnets[0](h, temb)), temb)


class UpBlock2D(nn.Module):
    def __init__(self, in_channels, prev_output_channels, out_channels, temb, layers, head_dim, add_upsample, groups, eps):
        super().__init__()
        resnets = []
        for i in range(layers):
            skip = in_channels if i == layers - 1 else out_channels
            resnet_in = prev_output_channels if i == 0 else out_channels
            resnets.append(ResnetBlock2D(resnet_in + skip, out_channels, temb, groups, eps))
        self.resnets = nn.ModuleList(resnets)
        self.attentions = nn.ModuleList(
            [unet_attention(out_channels, head_dim, groups, eps) for _ in range(layers)]) if head_dim else None
        self.upsamplers = nn.ModuleList([Upsample2D(out_channels)]) if add_upsample else None

    def forward(self, h, temb, skips):
        for i, resnet in enumerate(self.resnets):
            h = resnet(torch.cat([h, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                h = self.attentions[i](h)
        if self.upsamplers is not None:
            h = self.upsamplers[0](h)
        return h


class SmallUNet(nn.Module):
    def __init__(self, config=None):
        super().__init__()
        c = config or SmallUNetConfig()
        self.config = c
        ch = list(c.block_out_channels)
        levels = len(ch)
        temb = c.time_embed_dim
        head = c.attention_head_dim
        self.conv_in = nn.Conv2d(c.in_channels, ch[0], 3, padding=1)
        self.time_proj = Timesteps(ch[0], c.flip_sin_to_cos, c.freq_shift)
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        self.down_blocks = nn.ModuleList([
            DownBlock2D(ch[0] if i == 0 else ch[i - 1], ch[i], temb, c.layers_per_block,
                        head if c.attention_levels[i] else None, i < levels - 1, c.norm_num_groups, c.norm_eps)
            for i in range(levels)])
        self.mid_block = UNetMidBlock2D(ch[-1], temb, head, c.norm_num_groups, c.norm_eps)
        ups = []
        output = ch[-1]
        for i in range(levels):
            level = levels - 1 - i
            previous, output = output, ch[level]
            ups.append(UpBlock2D(ch[max(level - 1, 0)], previous, output, temb, c.layers_per_block + 1,
                                 head if c.attention_levels[level] else None, i < levels - 1,
                                 c.norm_num_groups, c.norm_eps))
        self.up_blocks = nn.ModuleList(ups)
        self.conv_norm_out = nn.GroupNorm(c.norm_num_groups, ch[0], eps=c.norm_eps)
        self.conv_out = nn.Conv2d(ch[0], c.out_channels, 3, padding=1)

    def forward(self, sample, timesteps):
        timesteps = torch.as_tensor(timesteps, dtype=torch.float32).reshape(-1)
        if timesteps.numel() == 1:
            timesteps = timesteps.expand(sample.shape[0])
        temb = self.time_embedding(self.time_proj(timesteps))
        h = self.conv_in(sample)
        skips = [h]
        for block in self.down_blocks:
            h = block(h, temb, skips)
        h = self.mid_block(h, temb)
        for block in self.up_blocks:
            h = block(h, temb, skips)
        return self.conv_out(F.silu(self.conv_norm_out(h)))


def randomize_(model, seed, scale=1.0):
    """Deterministic random weights: uniform(-b, b) with b = scale / sqrt(fan_in) per weight (fan_in from the shape),
    norms' scales around 1 and shifts around 0, drawn in parameter-name order from torch.manual_seed(seed)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if p.ndim == 1 and ("norm" in name):
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.1 * (torch.rand(p.shape, generator=g) * 2 - 1))
            else:
                fan_in = p.shape[1] * (p[0][0].numel() if p.ndim > 2 else 1) if p.ndim > 1 else p.shape[0]
                bound = scale / math.sqrt(fan_in)
                p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * bound)
    return model


def _fnv1a(name):
    h = 2166136261
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def synthetic_uniform(name, count):
    """Deterministic values in [0, 1) from a parameter's name and element index, computed in float64 so that C#
    (GenPipe.Nn.SyntheticWeightSource) reproduces them without a weights file: frac(sin((i + 1) * 12.9898 +
    (fnv1a(name) % 100000) * 0.001) * 43758.5453)."""
    i = np.arange(count, dtype=np.float64)
    x = np.sin((i + 1.0) * 12.9898 + (_fnv1a(name) % 100000) * 0.001) * 43758.5453
    return x - np.floor(x)


def synthetic_weights_(model):
    """Fills every parameter with synthetic_uniform mapped as randomize_ does (norm scales 1 +- 0.1, norm shifts
    +- 0.1, others +- 1/sqrt(fan_in)); the mapping is done in float64, then rounded to float32."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            u = synthetic_uniform(name, p.numel()).reshape(tuple(p.shape))
            if p.ndim == 1 and "norm" in name:
                base = 1.0 if name.endswith("weight") else 0.0
                values = base + 0.1 * (2.0 * u - 1.0)
            else:
                fan_in = p.shape[1] * (p[0][0].numel() if p.ndim > 2 else 1) if p.ndim > 1 else p.shape[0]
                values = (2.0 * u - 1.0) * (1.0 / math.sqrt(fan_in))
            p.copy_(torch.from_numpy(values.astype(np.float32)))
    return model


def build_small_unet(seed=0, config=None):
    """The SmallUNet with deterministic random weights (eval mode, float32, CPU)."""
    return randomize_(SmallUNet(config), seed).eval()


def state_dict_numpy(model):
    return {name: t.detach().cpu().float().contiguous().numpy() for name, t in model.state_dict().items()}


def export_weights(model, path):
    """Writes the model's weights as safetensors (gzipped when the path ends with .gz), names as GenPipe expects."""
    tools = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "fixtures")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import safetensors_io  # noqa: E402

    safetensors_io.write(path, state_dict_numpy(model))


if __name__ == "__main__":
    m = build_small_unet(0)
    print(sum(p.numel() for p in m.parameters()), "parameters")
    x = torch.randn(2, 4, 32, 32)
    print(m(x, torch.tensor([10.0, 500.0])).shape)
