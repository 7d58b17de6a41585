"""The text bench/sd15.py prints and writes into docs/performance.md: the machine, the engines, one table row per
network and side, the ratios, the pipeline's seconds per image, and the last line."""
import os
import time

import peer_env

SIDE_NAMES = {"torch": "PyTorch", "onnxruntime": "ONNX Runtime", "genpipe": "GenPipe"}


def mib(value):
    return f"{value / 2**20:,.0f}" if value else "?"


def lines(results, limits, pipeline, threads, sides, model, quick):
    """(lines, last line) for the results of bench/sd15.py."""
    out = list(peer_env.header_lines())
    peaks = limits.get("limits", {})
    peak = peaks.get(str(threads), {}).get("peak_fp32_gflops")
    out.append("limits (GenPipe.Bench.Kernels, measured): " + "; ".join(
        f"{t} thread(s): peak FP32 FMA {v['peak_fp32_gflops']:.0f} GFLOP/s, triad {v['triad_gbps']:.1f} GB/s"
        for t, v in sorted(peaks.items())) + f" ({limits.get('peak_vector', '?')})")
    shown = os.path.relpath(model, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    out.append(f"weights: {'models/tiny-sd (--quick)' if quick else 'SD 1.5 configs, random weights'} from {shown}")
    engines = {}
    for result in results.values():
        for side, answer in result["best"].items():
            engines.setdefault(side, answer.get("engine", "?"))
    for side in sides:
        if side in engines:
            out.append(f"{side}: {engines[side]}")
    out.append("")
    header = (f"| {'network':<36} | {'side':<11} | {'best ms':>10} | {'GFLOP/s':>8} | {'of peak':>7} | "
              f"{'peak MiB':>8} | {'load s':>6} | {'max abs dev':>11} | {'genpipe/side':>12} |")
    out.append(header)
    out.append("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    ratios = {}
    for component, result in results.items():
        flops = result["flops"]
        genpipe = result["best"].get("genpipe")
        for side in sides:
            answer = result["best"].get(side)
            if answer is None:
                continue
            ms = answer["best_ms"]
            gflops = flops / ms / 1e6 if flops else float("nan")
            share = f"{gflops / peak:7.2f}" if flops and peak else "      ?"
            deviation = result["deviation"].get(side)
            ratio = genpipe["best_ms"] / ms if genpipe else float("nan")
            ratios[(component, side)] = ratio
            out.append(f"| {result['label'] if side == sides[0] else '':<36} | {side:<11} | {ms:10.1f} | {gflops:8.1f} | "
                       f"{share} | {mib(result['peak'].get(side)):>8} | {answer['load_s']:6.1f} | "
                       f"{'reference' if side == 'torch' else f'{deviation:.2e}' if deviation is not None else '?':>11} | "
                       f"{ratio:12.2f} |")
        if flops:
            note = f"  ({flops / 1e9:,.1f} GFLOP, output max {result['scale']:.2f})"
            out.append(f"| {note:<36} | {'':<11} | {'':>10} | {'':>8} | {'':>7} | {'':>8} | {'':>6} | {'':>11} | {'':>12} |")
    out.append("")
    out.append(f"threads: {threads} on every side; best of every timed run over all rounds (untimed warm-up per process: "
               f"at least one run and 2 s); peak MiB = the process's VmHWM (weights, activations, runtime); {time.strftime('%Y-%m-%d')}")
    if pipeline:
        out.append(f"pipeline: {pipeline['seconds']:.1f} s per {pipeline['pixels']}x{pipeline['pixels']} image at "
                   f"{pipeline['steps']} steps of DPM++ 2M (GenPipe, whole command: loading, CLIP x2, {pipeline['steps']} "
                   f"UNet calls at batch 2, VAE decode, PNG), peak {mib(pipeline['peak_rss_bytes'])} MiB; "
                   f"{pipeline['command']}")
    last = None
    if "unet" in results and ("unet", "torch") in ratios and ("unet", "onnxruntime") in ratios:
        last = (f"sd15 unet time ratio genpipe/torch: {ratios[('unet', 'torch')]:.2f}, "
                f"genpipe/onnxruntime: {ratios[('unet', 'onnxruntime')]:.2f}")
    return out, last
