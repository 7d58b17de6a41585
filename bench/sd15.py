#!/usr/bin/python3
"""Stable Diffusion 1.5 on this CPU: GenPipe against PyTorch and ONNX Runtime, interleaved, on the same weights.

Usage (from the repository root):
    /usr/bin/python3 bench/sd15.py [--quick] [--rounds 3] [--only unet,vae,clip] [--skip-pipeline]
    /usr/bin/python3 bench/sd15.py --write-docs docs/performance.md

What it times, each network in its own process per side and round (so each process's peak memory is its own):
  - the SD 1.5 UNet at 64x64 latents, batch 2 (classifier-free guidance's [negative; positive]), 2 threads;
  - the SD 1.5 VAE decoder (post_quant_conv + decoder) from 64x64 latents to a 512x512 image;
  - the CLIP ViT-L text encoder on 77 tokens;
in PyTorch (bench/torch/sd15_peer.py on tools/fixtures/sd_torch.py), ONNX Runtime 1.32 (CPU provider, graph
optimizations all, 2 intra-op threads, 1 inter-op, on torch.onnx.export's graphs) and GenPipe (both through
bench/GenPipe.Bench.Sd15). Round after round the three sides take turns in a rotating order; each keeps its best run.
Every side's output is compared with PyTorch's (max absolute deviation). Then, unless --skip-pipeline, the whole
text-to-image pipeline runs once through the `genpipe` command at 512x512, 20 steps of DPM++ 2M (seconds per image).

The weights are SD 1.5-size random weights made by bench/torch/sd15_export.py into out/sd15-random (written first if
missing: several GB of memory and a few minutes); --quick uses models/tiny-sd (exported into out/tiny-sd-bench) and
runs in about a minute. The PyTorch peer runs at its best (bench/torch/peer_env.py: OpenBLAS kernel chosen by
measurement; the first round tries three thread layouts of PyTorch and OpenBLAS and keeps the fastest).
The last line is `sd15 unet time ratio genpipe/torch: X.XX, genpipe/onnxruntime: Y.YY`.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "torch"))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
import peer_env  # noqa: E402

peer_env.restart_with_peer_at_its_best()

import numpy as np  # noqa: E402
import torch  # noqa: E402

import safetensors_io  # noqa: E402
import sd15_report  # noqa: E402

peer_env.require_optimized_blas(torch)

SIDES = ["torch", "onnxruntime", "genpipe"]
WARMUP_SECONDS = 2.0  # every side warms up for at least one run and this long (tiered JIT, allocator, caches)
LABELS = {"unet": "UNet {size}x{size} latents, batch {batch}", "vae": "VAE decoder {size}x{size} -> {pixels}x{pixels}",
          "clip": "CLIP text encoder, 77 tokens"}
SD_RUNNER = os.path.join(HERE, "GenPipe.Bench.Sd15", "bin", "Release", "net10.0", "GenPipe.Bench.Sd15.dll")
KERNELS = os.path.join(HERE, "GenPipe.Bench.Kernels", "bin", "Release", "net10.0", "GenPipe.Bench.Kernels.dll")
CLI = os.path.join(ROOT, "src", "GenPipe.Cli", "bin", "Release", "net10.0", "genpipe.dll")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="models/tiny-sd, one round: a smoke run of every part")
    parser.add_argument("--model", help="the model folder (default out/sd15-random; --quick: out/tiny-sd-bench)")
    parser.add_argument("--rounds", type=int, help="rounds of the three sides per network (default 3; --quick 1)")
    parser.add_argument("--runs", type=int, help="timed runs per side and round (default: UNet 2, VAE 2, CLIP 10)")
    parser.add_argument("--threads", type=int, default=2, help="threads for every side (default 2)")
    parser.add_argument("--only", default="unet,vae,clip", help="networks to time (default unet,vae,clip)")
    parser.add_argument("--sides", default=",".join(SIDES), help="sides to time (default torch,onnxruntime,genpipe)")
    parser.add_argument("--skip-pipeline", action="store_true", help="do not time the whole text-to-image pipeline")
    parser.add_argument("--steps", type=int, default=20, help="pipeline steps of DPM++ 2M (default 20)")
    parser.add_argument("--handicapped-peer", action="store_true", help="see bench/torch/peer_env.py")
    parser.add_argument("--peer-coretype", metavar="NAME", help="see bench/torch/peer_env.py")
    parser.add_argument("--json", metavar="FILE", help="also write every result as JSON")
    parser.add_argument("--write-docs", metavar="FILE", help="replace the sd15-bench block of FILE (docs/performance.md)")
    return parser.parse_args()


def build():
    for project in ("bench/GenPipe.Bench.Sd15", "bench/GenPipe.Bench.Kernels", "src/GenPipe.Cli"):
        result = subprocess.run(["dotnet", "build", "-c", "Release", "--nologo", "-v", "q", project], cwd=ROOT)
        if result.returncode != 0:
            sys.exit(f"building {project} failed with exit code {result.returncode}")


def ensure_model(model, quick):
    if os.path.isfile(os.path.join(model, "onnx", "unet", "model.onnx")) and os.path.isfile(os.path.join(model, "onnx", "clip", "model.onnx")):
        return
    command = [sys.executable, os.path.join(HERE, "torch", "sd15_export.py"), "--out", model]
    if quick:
        command += ["--from", os.path.join(ROOT, "models", "tiny-sd")]
    print(f"# {model} has no ONNX exports yet; writing them: {' '.join(command)}", flush=True)
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        sys.exit("bench/torch/sd15_export.py failed")


def read_config(model, sub):
    with open(os.path.join(model, sub, "config.json")) as f:
        return json.load(f)


def first(value):
    return value[0] if isinstance(value, list) else value


def write_inputs(model, workdir, components):
    """The same inputs for every side, drawn once with a fixed seed; returns component -> (file, label)."""
    g = torch.Generator().manual_seed(2024)
    files = {}
    unet, vae, clip = read_config(model, "unet"), read_config(model, "vae"), read_config(model, "text_encoder")
    if "unet" in components:
        size = first(unet.get("sample_size", 64))
        tensors = {"sample": torch.randn(2, unet.get("in_channels", 4), size, size, generator=g),
                   "timestep": torch.tensor([500.0, 500.0]),
                   "encoder_hidden_states": torch.randn(2, 77, first(unet.get("cross_attention_dim", 768)), generator=g)}
        files["unet"] = (tensors, LABELS["unet"].format(size=size, batch=2))
    if "vae" in components:
        scale = 2 ** (len(vae.get("block_out_channels", [64])) - 1)
        size = vae.get("sample_size", 512) // scale
        tensors = {"latent_sample": torch.randn(1, vae.get("latent_channels", 4), size, size, generator=g)}
        files["vae"] = (tensors, LABELS["vae"].format(size=size, pixels=size * scale))
    if "clip" in components:
        vocab = clip["vocab_size"]
        ids = [vocab - 2] + torch.randint(0, vocab - 2, (20,), generator=g).tolist() + [vocab - 1] * 56
        files["clip"] = ({"input_ids": torch.tensor([ids], dtype=torch.int64)}, LABELS["clip"])
    paths = {}
    for component, (tensors, label) in files.items():
        path = os.path.join(workdir, f"{component}-inputs.safetensors")
        safetensors_io.write(path, tensors)
        paths[component] = (path, label)
    return paths


def run_side(side, component, model, inputs, output, threads, runs, layout=None):
    """One process: load, warm up once, time `runs` runs; its JSON answer (with the layout the torch side used)."""
    if side == "torch":
        torch_threads, blas_threads = layout
        command = [sys.executable, os.path.join(HERE, "torch", "sd15_peer.py"), "--threads", str(torch_threads),
                   "--blas-threads", str(blas_threads)]
    else:
        command = ["dotnet", SD_RUNNER, "measure", "--side", side, "--threads", str(threads)]
    command += ["--component", component, "--model", model, "--inputs", inputs, "--output", output,
                "--warmup", "1", "--warmup-seconds", str(WARMUP_SECONDS), "--runs", str(runs)]
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"{side} on the {component} failed (exit code {result.returncode}): {' '.join(command)}")
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    answer["layout"] = layout
    return answer


def torch_layouts(threads):
    """PyTorch (OpenMP: oneDNN convolutions, elementwise) and OpenBLAS (matrix products) threads, as side_by_side.py."""
    if threads == 1 or peer_env.openblas_thread_control() is None:
        return [(threads, 1)]
    return [(threads, threads), (threads, 1), (1, threads)]


def time_component(component, model, inputs, workdir, args, rounds, runs, sides):
    best, peak, flops, layout_times = {}, {}, None, {}
    layouts = torch_layouts(args.threads)
    for r in range(rounds):
        order = sides[r % len(sides):] + sides[:r % len(sides)]
        for side in order:
            candidates = layouts if side == "torch" and r == 0 else [min(layout_times, key=layout_times.get)] if side == "torch" else [None]
            for layout in candidates:
                output = os.path.join(workdir, f"{component}-{side}.safetensors")
                answer = run_side(side, component, model, inputs, output, args.threads, runs, layout)
                flops = answer.get("flops") or flops
                if side == "torch":
                    layout_times[tuple(layout)] = min(layout_times.get(tuple(layout), float("inf")), answer["best_ms"])
                if side not in best or answer["best_ms"] < best[side]["best_ms"]:
                    best[side] = answer
                peak[side] = max(peak.get(side, 0), answer.get("peak_rss_bytes") or 0)
                print(f"# {component} round {r + 1} {side}{' ' + str(layout) if layout else ''}: best {answer['best_ms']:.1f} ms "
                      f"of {[round(t, 1) for t in answer['times_ms']]} (load {answer['load_s']:.1f} s, peak "
                      f"{(answer.get('peak_rss_bytes') or 0) / 2**20:.0f} MiB)", flush=True)
                time.sleep(1.0)
    reference = safetensors_io.read(os.path.join(workdir, f"{component}-torch.safetensors"))["output"] if "torch" in sides else None
    deviations = {}
    for side in sides:
        values = safetensors_io.read(os.path.join(workdir, f"{component}-{side}.safetensors"))["output"]
        if reference is not None:
            deviations[side] = float(np.abs(values.astype(np.float64) - reference).max())
    scale = float(np.abs(reference).max()) if reference is not None else float("nan")
    return {"best": best, "peak": peak, "flops": flops, "deviation": deviations, "scale": scale}


def machine_limits(threads):
    answer = subprocess.run(["dotnet", KERNELS, "--limits", f"1,{threads}" if threads > 1 else "1"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    if answer.returncode != 0:
        sys.exit("GenPipe.Bench.Kernels --limits failed")
    return json.loads(answer.stdout)


def time_pipeline(model, steps, threads, workdir):
    """The genpipe command on pipelines/sd15-txt2img.json at 512x512 (the folder's size), DPM++ 2M; wall seconds and peak."""
    vae = read_config(model, "vae")
    pixels = vae.get("sample_size", 512)
    command = ["dotnet", CLI, "run", os.path.join(ROOT, "pipelines", "sd15-txt2img.json"), "--quiet", "--out",
               os.path.join(workdir, "images"), "--set", f"model={model}", "--set", f"steps={steps}",
               "--set", f"width={pixels}", "--set", f"height={pixels}", "--set", "components.scheduler.type=dpmpp_2m"]
    env = dict(os.environ, DOTNET_PROCESSOR_COUNT=str(threads))
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"the pipeline failed: {' '.join(command)}")
    return {"seconds": seconds, "peak_rss_bytes": usage.ru_maxrss * 1024, "pixels": pixels, "steps": steps,
            "command": "genpipe " + " ".join(command[3:]).replace(ROOT + "/", "")}


def main():
    args = parse_args()
    quick = args.quick
    model = os.path.abspath(args.model or os.path.join(ROOT, "out", "tiny-sd-bench" if quick else "sd15-random"))
    components = [c for c in args.only.split(",") if c]
    sides = [s for s in args.sides.split(",") if s]
    rounds = args.rounds or (1 if quick else 3)
    build()
    ensure_model(model, quick)
    workdir = os.path.join(model, "bench")
    os.makedirs(workdir, exist_ok=True)
    inputs = write_inputs(model, workdir, components)
    limits = machine_limits(args.threads)
    results = {}
    for component in components:
        runs = args.runs or {"unet": 2, "vae": 2, "clip": 10}[component]
        results[component] = time_component(component, model, inputs[component][0], workdir, args, rounds, runs, sides)
        results[component]["label"] = inputs[component][1]
    pipeline = None if args.skip_pipeline else time_pipeline(model, args.steps, args.threads, workdir)
    lines, last = sd15_report.lines(results, limits, pipeline, args.threads, sides, model, quick)
    print()
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "limits": limits, "pipeline": pipeline}, f, indent=1, default=str)
    if args.write_docs:
        peer_env.write_marked_block(args.write_docs, "sd15-bench", lines + ([""] + [last] if last else []))
    if last:
        print(last)


if __name__ == "__main__":
    main()
