#!/usr/bin/python3
"""The PyTorch side of bench/sd15.py: one component in one process, timed as GenPipe.Bench.Sd15 times the others.

    /usr/bin/python3 bench/torch/sd15_peer.py --component unet|vae|clip --model DIR --inputs FILE [--output FILE]
        [--threads 2] [--blas-threads 1] [--warmup 1] [--warmup-seconds 0] [--runs 3] [--seconds 0]

Loads the component with tools/fixtures/sd_torch.py (load_unet / load_vae / load_clip_text on the model folder's
unet/, vae/, text_encoder/), runs it under torch.inference_mode() `--warmup` times and for `--warmup-seconds` (the first run counts the forward's
floating-point operations with hooks: convolutions, linear layers and the two attention products), then at least
`--runs` times and for at least `--seconds`, and prints one JSON line: every run's milliseconds, the load time, the
resident memory after loading, the process's peak (VmHWM), the FLOPs and the engine. Run it through bench/sd15.py,
which first puts OpenBLAS at its best (bench/torch/peer_env.py) for every child.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
sys.path.insert(0, HERE)

import torch  # noqa: E402

import peer_env  # noqa: E402
import safetensors_io  # noqa: E402
import sd_torch  # noqa: E402

INPUTS = {"unet": ["sample", "timestep", "encoder_hidden_states"], "vae": ["latent_sample"], "clip": ["input_ids"]}
SUBFOLDERS = {"unet": "unet", "vae": "vae", "clip": "text_encoder"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--component", choices=sorted(INPUTS), required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--output")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (oneDNN convolutions, elementwise)")
    parser.add_argument("--blas-threads", type=int, default=1, help="OpenBLAS threads (matrix products)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--warmup-seconds", type=float, default=0.0, help="keep warming up this long (after --warmup runs)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.0)
    return parser.parse_args()


def status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None


def count_flops(model, run):
    """Multiply-adds x 2 of convolutions, linear layers and attention's two products, in one forward."""
    total = [0.0]

    def conv(module, inputs, output):
        total[0] += 2.0 * output.numel() * (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]

    def linear(module, inputs, output):
        total[0] += 2.0 * output.numel() * module.in_features

    def attention(module, inputs, output):  # sd_torch_layers.Attention: q·kᵀ and p·v over heads × head size = inner
        x = inputs[0]
        context = inputs[1] if len(inputs) > 1 and inputs[1] is not None else None
        tokens = x.shape[2] * x.shape[3] if x.dim() == 4 else x.shape[1]
        keys = context.shape[1] if context is not None else tokens
        total[0] += 4.0 * x.shape[0] * tokens * keys * module.to_q.out_features

    def clip_layer(module, inputs, output):  # the CLIP layer's attention products (its projections are Linear)
        b, n, d = inputs[0].shape
        total[0] += 4.0 * b * n * n * d

    handles = []
    for module in model.modules():
        kind = type(module).__name__
        if isinstance(module, torch.nn.Conv2d):
            handles.append(module.register_forward_hook(conv))
        elif isinstance(module, torch.nn.Linear):
            handles.append(module.register_forward_hook(linear))
        elif kind == "Attention":
            handles.append(module.register_forward_hook(attention))
        elif kind == "ClipEncoderLayer":
            handles.append(module.register_forward_hook(clip_layer))
    try:
        output = run()
    finally:
        for handle in handles:
            handle.remove()
    return total[0], output


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    blas = peer_env.openblas_thread_control()
    if blas is not None:
        blas(args.blas_threads)
    tensors = safetensors_io.read(args.inputs)
    inputs = [torch.from_numpy(tensors[name]) for name in INPUTS[args.component]]
    folder = os.path.join(args.model, SUBFOLDERS[args.component])
    start = time.perf_counter()
    if args.component == "unet":
        model = sd_torch.load_unet(folder)
        run = lambda: model(*inputs)  # noqa: E731
    elif args.component == "vae":
        model = sd_torch.load_vae(folder)
        run = lambda: model.decode(*inputs)  # noqa: E731
    else:
        model = sd_torch.load_clip_text(folder)
        run = lambda: model(*inputs)["last_hidden_state"]  # noqa: E731
    load_s = time.perf_counter() - start
    after_load = status_bytes("VmRSS")

    def timed():
        t0 = time.perf_counter()
        out = run()
        return 1000.0 * (time.perf_counter() - t0), out

    flops, warmup = None, []
    with torch.inference_mode():
        t0 = time.perf_counter()
        flops, output = count_flops(model, run)
        warmup.append(1000.0 * (time.perf_counter() - t0))
        while len(warmup) < args.warmup or time.perf_counter() - t0 < args.warmup_seconds:
            warmup.append(timed()[0])
        times, begin = [], time.perf_counter()
        while len(times) < args.runs or time.perf_counter() - begin < args.seconds:
            ms, output = timed()
            times.append(ms)
    if args.output:
        safetensors_io.write(args.output, {"output": output})
    print(json.dumps({
        "side": "torch", "component": args.component,
        "engine": f"PyTorch {torch.__version__} ({peer_env.blas_name()} {peer_env.core_name()}), {args.threads} threads, "
                  f"OpenBLAS {args.blas_threads}",
        "threads": args.threads, "blas_threads": args.blas_threads, "load_s": load_s, "warmup_ms": warmup,
        "times_ms": times, "best_ms": min(times), "rss_after_load_bytes": after_load,
        "peak_rss_bytes": status_bytes("VmHWM"), "flops": flops, "output_shape": list(output.shape)}), flush=True)


if __name__ == "__main__":
    main()
