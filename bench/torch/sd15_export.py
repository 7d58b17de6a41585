#!/usr/bin/python3
"""Writes the model folder bench/sd15.py times: Stable Diffusion 1.5 at its real size with random weights, in diffusers
layout, plus each network exported to ONNX for ONNX Runtime.

Usage (from the repository root):
    /usr/bin/python3 bench/torch/sd15_export.py [--out out/sd15-random] [--seed 0] [--skip-onnx]
    /usr/bin/python3 bench/torch/sd15_export.py --from models/tiny-sd --out out/tiny-sd-bench   # --quick's folder

The folder is a full diffusers model folder that GenPipe's pipelines run (`--set model=out/sd15-random`):
  model_index.json, scheduler/scheduler_config.json (SD 1.5's PNDM), tokenizer/ (CLIP's, from plugins/GenPipe.Diffusion/Sd15),
  unet/, vae/, text_encoder/ (SD 1.5's configs, the ones GenPipe bundles in plugins/GenPipe.Diffusion/Sd15, with PyTorch's default random initialization after manual_seed(seed), as float32 safetensors),
  onnx/unet/model.onnx, onnx/vae/model.onnx (post_quant_conv and the decoder: latents in, image out) and
  onnx/clip/model.onnx (token ids in, last hidden state out), each graph's weights as ONNX external data pointing
  into weights.safetensors beside it (a hard link to the component's safetensors file: no second copy on disk).
With --from, the three networks' folders are copied from an existing diffusers folder instead of drawn.

The networks are tools/fixtures/sd_torch.py's (this project's own PyTorch port of diffusers' and transformers'
classes); the exports use torch.onnx.export at opset 17 (constant folding is left to ONNX Runtime's optimizer, which does
it at load; folding here doubled the UNet's export memory), input shapes as bench/sd15.py feeds
them (batch 2 for the UNet, 1 for the VAE and CLIP). The SD 1.5 UNet needs several GB of memory to build and export
(about 3.4 GB of weights, read back memory-mapped for the export); run nothing else big meanwhile. Nothing here is committed: out/ is ignored.
"""
import argparse
import json
import os
import shutil
import struct
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import onnx_weights  # noqa: E402
import sd_torch  # noqa: E402
import sd_torch_layers  # noqa: E402

WEIGHTS_LINK = "weights.safetensors"
CONFIGS = os.path.join(ROOT, "plugins", "GenPipe.Diffusion", "Sd15")
TINY = os.path.join(ROOT, "models", "tiny-sd")
# (component, subfolder, bundled config, weights file, builder, loader)
COMPONENTS = [
    ("unet", "unet", "unet/config.json", "diffusion_pytorch_model.safetensors", sd_torch.build_unet, sd_torch.load_unet),
    ("vae", "vae", "vae/config.json", "diffusion_pytorch_model.safetensors", sd_torch.build_vae, sd_torch.load_vae),
    ("clip", "text_encoder", "text_encoder/config.json", "model.safetensors", sd_torch.build_clip_text, sd_torch.load_clip_text),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "out", "sd15-random"), help="the model folder to write")
    parser.add_argument("--from", dest="source", help="copy unet/, vae/, text_encoder/ from this diffusers folder "
                        "instead of drawing SD 1.5-size random weights")
    parser.add_argument("--seed", type=int, default=0, help="torch.manual_seed before each network is drawn")
    parser.add_argument("--skip-onnx", action="store_true", help="write the weights only")
    parser.add_argument("--redraw", action="store_true", help="write the weights even where a weights file exists "
                        "(by default an existing file is kept: the draw is deterministic)")
    parser.add_argument("--only", default="unet,vae,clip", help="networks to write or export (default all three)")
    return parser.parse_args()


def write_safetensors(path, state):
    """Writes a state dict as float32 safetensors, one tensor at a time (the UNet's 3.4 GB are never copied whole)."""
    names = sorted(state)
    header, offset = {}, 0
    for name in names:
        size = state[name].numel() * 4
        header[name] = {"dtype": "F32", "shape": list(state[name].shape), "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path + ".partial", "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for name in names:
            f.write(state[name].detach().contiguous().float().numpy().astype("<f4", copy=False).tobytes())
    os.replace(path + ".partial", path)


def write_folder_files(out, source):
    """model_index.json, scheduler/ and tokenizer/: from the source folder, or tiny-sd's model index and scheduler
    (SD 1.5's config) with the full CLIP tokenizer GenPipe bundles (49,408 ids, as SD 1.5's text encoder)."""
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(os.path.join(source or TINY, "model_index.json"), os.path.join(out, "model_index.json"))
    for sub, base in (("scheduler", source or TINY), ("tokenizer", source or CONFIGS)):
        target = os.path.join(out, sub)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(os.path.join(base, sub), target)


def mapped_weights(model, path):
    """The model with its parameters replaced by read-only views of the safetensors file just written (page cache, not
    process memory): the UNet's export would otherwise hold several copies of 3.4 GB and run out of memory."""
    with open(path, "rb") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(length))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    for name, parameter in list(model.named_parameters()):
        if header[name]["dtype"] != "F32":
            continue
        begin, end = header[name]["data_offsets"]
        values = data[begin:end].view("<f4").reshape(header[name]["shape"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the array is read-only; nothing writes to it
            parameter.data = torch.from_numpy(values)
    return model


def traceable_attend(self, x, context):
    """sd_torch_layers.Attention.attend for tracing: the same products, with q·kᵀ·scale as a matmul and a multiply.
    The original's baddbmm(torch.empty(...), beta=0) is diffusers' arithmetic, but the tracer turns that empty tensor
    into a constant of the score matrix's size (1 GiB per 64x64 self-attention of the SD 1.5 UNet), which the graph
    would carry and ONNX Runtime would add."""
    q, k, v = self._split(self.to_q(x)), self._split(self.to_k(context)), self._split(self.to_v(context))
    out = torch.bmm((torch.bmm(q, k.transpose(-1, -2)) * self.scale).softmax(dim=-1), v)
    bh, n, d = out.shape
    out = out.reshape(bh // self.heads, self.heads, n, d).permute(0, 2, 1, 3).reshape(bh // self.heads, n, d * self.heads)
    return self.to_out[0](out)


class VaeDecoder(torch.nn.Module):
    """The VAE's decoding half, as ONNX Runtime runs it: post_quant_conv and the decoder (raw latents in)."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode(latent_sample)


class ClipLastHidden(torch.nn.Module):
    """CLIP's text encoder with one output, the last hidden state (what SD 1.x conditions on)."""

    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, input_ids):
        return self.clip(input_ids)["last_hidden_state"]


def example_inputs(component, config, unet_context=768):
    """The inputs bench/sd15.py feeds (shapes only matter for the export)."""
    g = torch.Generator().manual_seed(1)
    if component == "unet":
        size = config.get("sample_size", 64)
        size = size if isinstance(size, int) else size[0]
        context = config.get("cross_attention_dim", unet_context)
        context = context if isinstance(context, int) else context[0]
        return (torch.randn(2, config.get("in_channels", 4), size, size, generator=g), torch.tensor([500.0, 500.0]),
                torch.randn(2, 77, context, generator=g))
    if component == "vae":
        size = config.get("sample_size", 512) // (2 ** (len(config.get("block_out_channels", [64])) - 1))
        return (torch.randn(1, config.get("latent_channels", 4), size, size, generator=g),)
    return (torch.zeros(1, 77, dtype=torch.int64),)


def export(component, model, config, folder, weights_file):
    """torch.onnx.export of the graph alone (export_params=False), then the weights attached as external data that
    points into the safetensors file (hard-linked beside the graph): torch 1.13's own large-model export copies every
    weight into its protobuf, which for the SD 1.5 UNet took more than 19 GB and was killed."""
    names = {"unet": (["sample", "timestep", "encoder_hidden_states"], ["out_sample"]),
             "vae": (["latent_sample"], ["sample"]), "clip": (["input_ids"], ["last_hidden_state"])}[component]
    wrapped = {"unet": lambda m: m, "vae": VaeDecoder, "clip": ClipLastHidden}[component](model)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    start = time.time()
    graph_file = os.path.join(folder, "model.onnx")
    sd_torch_layers.Attention.attend = traceable_attend
    with torch.no_grad():
        torch.onnx.export(wrapped, example_inputs(component, config), graph_file, export_params=False,
                          input_names=names[0], output_names=names[1], opset_version=17, do_constant_folding=False)
    linked = os.path.join(folder, WEIGHTS_LINK)
    try:
        os.link(weights_file, linked)
    except OSError:
        shutil.copyfile(weights_file, linked)
    onnx_weights.attach_external_weights(graph_file, linked, names[0])
    size = os.path.getsize(graph_file)
    print(f"# exported {component} to {graph_file} ({size / 2**20:.1f} MiB graph, weights in {WEIGHTS_LINK}, "
          f"{time.time() - start:.0f} s)", flush=True)


def main():
    args = parse_args()
    out = os.path.abspath(args.out)
    only = [c for c in args.only.split(",") if c]
    write_folder_files(out, args.source)
    for component, sub, config_name, weights_name, build, load in COMPONENTS:
        if component not in only:
            continue
        folder = os.path.join(out, sub)
        start = time.time()
        if args.source:
            if os.path.abspath(os.path.join(args.source, sub)) != folder:
                shutil.rmtree(folder, ignore_errors=True)
                shutil.copytree(os.path.join(args.source, sub), folder)
            model = load(folder)
            config = json.load(open(os.path.join(folder, "config.json")))
        else:
            with open(os.path.join(CONFIGS, config_name)) as f:
                config = json.load(f)
            model = build(config, args.seed)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "config.json"), "w") as f:
                json.dump(config, f, indent=2)
            if args.redraw or not os.path.isfile(os.path.join(folder, weights_name)):
                write_safetensors(os.path.join(folder, weights_name), model.state_dict())
        model = mapped_weights(model, os.path.join(folder, weights_name))
        parameters = sum(p.numel() for p in model.parameters())
        print(f"# {component}: {parameters:,} parameters in {folder} ({time.time() - start:.0f} s)", flush=True)
        if not args.skip_onnx:
            export(component, model, config, os.path.join(out, "onnx", component), os.path.join(folder, weights_name))
        del model
    print(f"# wrote {out}")


if __name__ == "__main__":
    main()
