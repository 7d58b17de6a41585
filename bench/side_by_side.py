#!/usr/bin/python3
"""GenPipe vs PyTorch, side by side, in one run: the same work on the same weights and inputs.

Usage (from the repository root):
    /usr/bin/python3 bench/side_by_side.py [--quick] [--threads 1,2] [--only gemm,conv,attention,groupnorm,unet]

Needs Debian's PyTorch with OpenBLAS (`sudo apt-get install python3-torch python3-numpy libopenblas0-pthread`); the
script installs nothing itself. Without libopenblas, Debian's PyTorch multiplies matrices with the reference BLAS
(about 40x slower), which would flatter GenPipe: the script refuses to run then (--handicapped-peer overrides).
It writes the inputs, weights and PyTorch's outputs for every case to a temporary folder, times PyTorch, then runs
`bench/GenPipe.Bench.Kernels` (dotnet, Release) on the same files, which times GenPipe and checks its outputs against
PyTorch's. It prints one table (milliseconds, GFLOP/s, GenPipe/PyTorch time ratio, max error) and, last,
`unet forward time ratio genpipe/torch: X.XX` for batch 2 at 2 threads.

The peer runs at its best (bench/torch/peer_env.py): before torch is imported, the script times PyTorch's GEMM under
every OpenBLAS kernel (OPENBLAS_CORETYPE) the CPU can run, restarts itself with the fastest, and refuses a peer below
half of the machine's measured peak; the table's header names the kernel, its GEMM GFLOP/s and the peak. PyTorch's
own threads would oversubscribe the cores if OpenBLAS started more, so OpenBLAS starts with one thread and each case
gets the fastest thread layout. Pass --handicapped-peer to keep the environment as it is (for comparison only), or
--peer-coretype NAME to time the peer under one kernel.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "torch"))
import peer_env  # noqa: E402  (the rules for running PyTorch at its best, shared with generation.py)

peer_env.restart_with_peer_at_its_best()

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as missing:  # pragma: no cover - depends on the machine
    sys.exit(f"side_by_side.py needs PyTorch and numpy ({missing}). On Debian/Ubuntu: "
             "sudo apt-get install python3-torch python3-numpy, then run it with /usr/bin/python3.")


peer_env.require_optimized_blas(torch)
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
sys.path.insert(0, os.path.join(HERE, "torch"))
import safetensors_io  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter timing windows, one round (a smoke run)")
    parser.add_argument("--rounds", type=int, default=3, help="PyTorch/GenPipe alternations per case (default 3)")
    parser.add_argument("--threads", default="1,2", help="thread counts to time, comma separated (default 1,2)")
    parser.add_argument("--only", default="", help="case families to run: gemm,conv,attention,groupnorm,unet")
    parser.add_argument("--handicapped-peer", action="store_true", help="keep OPENBLAS_* as the environment sets them "
                        "and compare even if the peer runs below half of the machine's peak")
    parser.add_argument("--peer-coretype", metavar="NAME", help="run the peer under this OPENBLAS_CORETYPE (or 'unset') "
                        "instead of the fastest measured")
    parser.add_argument("--keep", metavar="DIR", help="write the case files here and keep them")
    parser.add_argument("--json", metavar="FILE", help="also write all results as JSON")
    parser.add_argument("--write-docs", metavar="FILE", help="replace the table between the side-by-side markers of "
                        "FILE (docs/performance.md) with this run's")
    return parser.parse_args()


# ---- the cases: each writes its inputs (and PyTorch's output) and returns a callable that runs PyTorch -------------

def gemm_case(n, seed):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    tensors = {"a": a, "b": b, "expected": a @ b}
    return dict(kind="gemm", flops=2.0 * n ** 3, tensors=tensors, run=lambda: torch.mm(a, b), label=f"gemm {n}x{n}x{n}")


def conv_case(cin, cout, size, batch, seed):
    g = torch.Generator().manual_seed(seed)
    conv = torch.nn.Conv2d(cin, cout, 3, padding=1)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=g) * (1.0 / (cin * 9) ** 0.5))
        conv.bias.copy_(torch.randn(cout, generator=g) * 0.1)
    x = torch.randn(batch, cin, size, size, generator=g)
    with torch.no_grad():
        expected = conv(x)
    tensors = {"x": x, "weight": conv.weight.detach(), "bias": conv.bias.detach(), "expected": expected}
    flops = 2.0 * batch * cout * cin * 9 * size * size
    return dict(kind="conv3x3", flops=flops, tensors=tensors, run=lambda: conv(x),
                label=f"conv3x3 {cin}->{cout} {size}x{size} b{batch}")


def attention_case(heads, length, dim, seed):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(1, heads, length, dim, generator=g) for _ in range(3))
    scale = dim ** -0.5

    def run():  # PyTorch 1.13 has no fused scaled_dot_product_attention: this is what its models do
        return torch.softmax((q @ k.transpose(-1, -2)) * scale, dim=-1) @ v

    tensors = {"q": q, "k": k, "v": v, "expected": run()}
    return dict(kind="attention", flops=4.0 * heads * length * length * dim, tensors=tensors, run=run,
                label=f"attention {heads}h x {length} x {dim}")


def groupnorm_case(channels, size, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1, channels, size, size, generator=g)
    gamma = 1 + 0.1 * torch.randn(channels, generator=g)
    beta = 0.1 * torch.randn(channels, generator=g)

    def run():
        return F.silu(F.group_norm(x, 32, gamma, beta, 1e-5))

    tensors = {"x": x, "gamma": gamma, "beta": beta, "expected": run()}
    # bandwidth-bound: report the bytes a fused kernel must move (read twice for statistics + normalize, write once)
    return dict(kind="groupnorm_silu", flops=8.0 * x.numel(), tensors=tensors, run=run,
                label=f"groupnorm+silu 1x{channels}x{size}x{size}", bytes=3 * 4 * x.numel())


def count_unet_flops(model, sample, timesteps):
    """Multiply-adds x 2 of the convolutions, linear layers and attention products in one forward."""
    total = [0.0]

    def conv_hook(module, inputs, output):
        total[0] += 2.0 * output.numel() * (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]

    def linear_hook(module, inputs, output):
        total[0] += 2.0 * output.numel() * module.in_features

    def attention_hook(module, inputs, output):
        hidden = inputs[0]
        tokens = hidden.shape[2] * hidden.shape[3] if hidden.ndim == 4 else hidden.shape[1]
        context = inputs[1] if len(inputs) > 1 and inputs[1] is not None else None
        keys = context.shape[1] if context is not None else tokens
        total[0] += 2.0 * 2.0 * hidden.shape[0] * tokens * keys * module.heads * module.dim_head

    handles = []
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, torch.nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
        elif type(module).__name__ == "Attention":
            handles.append(module.register_forward_hook(attention_hook))
    with torch.no_grad():
        model(sample, timesteps)
    for handle in handles:
        handle.remove()
    return total[0]


def unet_cases(seed):
    import small_unet  # bench/torch/small_unet.py: the same module tree GenPipe.Nn builds

    model = small_unet.build_small_unet(seed).eval()
    weights = {name: p.detach().clone() for name, p in model.state_dict().items()}
    cases = []
    for batch in (1, 2):
        g = torch.Generator().manual_seed(seed + batch)
        sample = torch.randn(batch, 4, 32, 32, generator=g)
        timesteps = torch.tensor([999.0, 250.0][:batch])
        with torch.no_grad():
            expected = model(sample, timesteps)
        tensors = dict(weights)
        tensors.update({"input.sample": sample, "input.timesteps": timesteps, "input.expected": expected})

        def run(model=model, sample=sample, timesteps=timesteps):
            return model(sample, timesteps)

        flops = count_unet_flops(model, sample, timesteps)
        cases.append(dict(kind="unet", flops=flops, tensors=tensors, run=run, label=f"unet forward b{batch}",
                          batch=batch, parameters=sum(p.numel() for p in model.parameters())))
    return cases


def build_cases(families):
    cases = []
    if "gemm" in families:
        cases += [gemm_case(n, 10 + n) for n in (256, 512, 1024, 2048)]
    if "conv" in families:
        cases += [conv_case(64, 64, 32, 1, 1), conv_case(128, 128, 16, 1, 2), conv_case(320, 320, 64, 1, 3)]
    if "attention" in families:
        cases.append(attention_case(8, 1024, 64, 4))
    if "groupnorm" in families:
        cases.append(groupnorm_case(320, 64, 5))
    if "unet" in families:
        cases += unet_cases(6)
    return cases


def start_genpipe(manifest_file):
    dll = os.path.join(HERE, "GenPipe.Bench.Kernels", "bin", "Release", "net10.0", "GenPipe.Bench.Kernels.dll")
    process = subprocess.Popen(["dotnet", dll, "--cases", manifest_file], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    ready = process.stdout.readline()
    if '"ready"' not in ready:
        sys.exit(f"GenPipe.Bench.Kernels did not start: {ready!r}")
    return process


def ask(process, request):
    process.stdin.write(request + "\n")
    process.stdin.flush()
    answer = json.loads(process.stdout.readline())
    if "error" in answer:
        sys.exit(f"GenPipe.Bench.Kernels: {answer['error']}")
    return answer


def time_torch(run, budget):
    """Best wall time in ms over repetitions filling `budget` seconds, after warm-up (see Timing.cs for why best)."""
    with torch.inference_mode():
        warm_start = time.perf_counter()
        while time.perf_counter() - warm_start < 0.3:  # the same warm-up rule as the GenPipe side
            run()
        times = []
        start = time.perf_counter()
        while len(times) < 5 or (time.perf_counter() - start < budget and len(times) < 200):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
    times.sort()
    return 1000.0 * times[0]


def main():
    args = parse_args()
    families = [f for f in (args.only or "gemm,conv,attention,groupnorm,unet").split(",") if f]
    threads = [int(t) for t in args.threads.split(",")]
    workdir = args.keep or tempfile.mkdtemp(prefix="genpipe-bench-")
    os.makedirs(workdir, exist_ok=True)

    print(f"# building cases in {workdir}", flush=True)
    build = subprocess.run(["dotnet", "build", "-c", "Release", "--nologo", "-v", "q", os.path.join(HERE, "GenPipe.Bench.Kernels")], cwd=ROOT)
    if build.returncode != 0:
        sys.exit(f"building bench/GenPipe.Bench.Kernels failed with exit code {build.returncode}")
    cases = build_cases(families)
    manifest = []
    for index, case in enumerate(cases):
        file = os.path.join(workdir, f"case{index:02d}.safetensors")
        safetensors_io.write(file, case["tensors"])
        manifest.append({k: v for k, v in case.items() if k not in ("tensors", "run")} | {"file": file})

    manifest_file = os.path.join(workdir, "cases.json")
    with open(manifest_file, "w") as f:
        json.dump({"cases": manifest}, f, indent=1)
    genpipe_process = start_genpipe(manifest_file)

    # Interleaved: for every case, PyTorch then GenPipe, `rounds` times; each side keeps its best. This VM's
    # neighbours steal time in phases of seconds, so alternating is what lets both sides see the same machine.
    budget = 0.2 if args.quick else 0.5
    blas = peer_env.openblas_thread_control()
    torch_ms, results = {}, []
    for t in threads:
        # The peer at its best: matrix products go to OpenBLAS, convolutions to oneDNN under PyTorch's own (OpenMP)
        # threads. With t cores, three ways to use them: PyTorch t threads and OpenBLAS 1 (no oversubscription),
        # both t (OpenMP threads spinning after a region can then slow OpenBLAS's), or PyTorch 1 and OpenBLAS t (a
        # plain product on every core). Each case gets the fastest.
        configurations = [(t, 1)] + ([(t, t), (1, t)] if t > 1 and blas is not None else [])
        for index, case in enumerate(cases):
            best_torch, best_config, best_genpipe = float("inf"), None, None
            for _ in range(1 if args.quick else max(1, args.rounds)):
                for torch_threads, blas_threads in configurations:
                    torch.set_num_threads(torch_threads)
                    if blas is not None:
                        blas(blas_threads)
                    ms = time_torch(case["run"], budget)
                    if ms < best_torch:
                        best_torch, best_config = ms, (torch_threads, blas_threads)
                time.sleep(0.2)  # let PyTorch's and OpenBLAS's spinning threads go to sleep before GenPipe runs
                answer = ask(genpipe_process, f"run {index} {t} {budget}")
                if best_genpipe is None or answer["ms"] < best_genpipe["ms"]:
                    best_genpipe = answer
                time.sleep(0.2)
            torch_ms[(index, t)] = best_torch
            results.append(dict(best_genpipe, case=index, threads=t))
            print(f"# {case['label']:<34} {t}T  torch {best_torch:9.3f} ms (torch threads {best_config[0]}, OpenBLAS "
                  f"threads {best_config[1]})  genpipe {best_genpipe['ms']:9.3f} ms ({best_genpipe['allocated_bytes_per_run']:.0f} B "
                  f"allocated per run, max rel err {best_genpipe['max_rel_error']:.2e})", flush=True)
    if blas is not None:
        blas(1)
    genpipe = ask(genpipe_process, "limits " + " ".join(str(t) for t in threads))
    genpipe["results"] = results
    genpipe_process.stdin.write("quit\n")
    genpipe_process.stdin.flush()
    genpipe_process.wait()
    report(cases, threads, torch_ms, genpipe, args)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


def report(cases, threads, torch_ms, genpipe, args):
    by_key = {(r["case"], r["threads"]): r for r in genpipe["results"]}
    lines = []
    header = (f"| {'case':<34} | thr | {'torch ms':>9} | {'genpipe ms':>10} | {'torch GFLOP/s':>13} | "
              f"{'genpipe GFLOP/s':>15} | {'ratio g/t':>9} | {'max rel err':>11} | {'alloc B/run':>11} |")
    lines.extend(peer_env.header_lines())
    lines.append(f"torch {torch.__version__} ({peer_env.blas_name()}); GenPipe: {genpipe.get('runtime', '?')}, "
                 f"{genpipe.get('vectors', '?')}")
    lines.append("")
    lines.append(header)
    lines.append("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    rows = []
    for t in threads:
        for index, case in enumerate(cases):
            r = by_key[(index, t)]
            tm, gm = torch_ms[(index, t)], r["ms"]
            flops = r.get("flops") or case["flops"]
            tg = flops / tm / 1e6 if flops else float("nan")
            gg = flops / gm / 1e6 if flops else float("nan")
            allocated = r.get("allocated_bytes_per_run", float("nan"))
            lines.append(f"| {case['label']:<34} | {t:>3} | {tm:9.3f} | {gm:10.3f} | {tg:13.1f} | {gg:15.1f} | "
                         f"{gm / tm:9.2f} | {r['max_rel_error']:11.2e} | {allocated:11.0f} |")
            rows.append(dict(case=case["label"], threads=t, torch_ms=tm, genpipe_ms=gm, ratio=gm / tm,
                             max_rel_error=r["max_rel_error"], allocated_bytes_per_run=allocated))
    lines.append("")
    lines.extend(genpipe.get("notes", []))
    unet = [i for i, c in enumerate(cases) if c["kind"] == "unet" and c.get("batch") == 2]
    last = None
    if unet and 2 in threads:
        i = unet[0]
        last = f"unet forward time ratio genpipe/torch: {by_key[(i, 2)]['ms'] / torch_ms[(i, 2)]:.2f}"
    print()
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "machine": peer_env.machine_line(), "peer": peer_env.peer_choice(),
                       "limits": genpipe.get("limits")}, f, indent=1)
    if args.write_docs:
        peer_env.write_marked_block(args.write_docs, "side-by-side", lines + ([""] + [last] if last else []))
    if last:
        print(last)


if __name__ == "__main__":
    main()
