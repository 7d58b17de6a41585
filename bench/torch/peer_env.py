#!/usr/bin/python3
"""The PyTorch peer at its best on whatever CPU the benchmark lands on, and what the side-by-side scripts share.

Why this exists: Debian's PyTorch multiplies float32 matrices with OpenBLAS, which picks a kernel per CPU ("core
type"). What is fastest is a fact of the machine, not of a rule: on one AMD EPYC (Zen, AVX-512) a forced
`OPENBLAS_CORETYPE=Haswell` halved GEMM speed; on an Intel Xeon (family 6 model 207) OpenBLAS 0.3.21 does not know the
CPU and falls back to its generic Prescott kernel at a fifth of what `SkylakeX` gives; on an AMD EPYC family 25 model 1
(Zen 3) it picks Haswell itself and a forced `Zen` is slower. So the kernel is chosen by measurement:

1. `restart_with_peer_at_its_best()` (call it before importing torch) lists the core types this OpenBLAS offers for
   the CPU's instruction set (unset = OpenBLAS's own choice, Prescott, Nehalem, Sandybridge, Haswell, Zen, SkylakeX,
   Cooperlake, SapphireRapids, each only where /proc/cpuinfo has the instructions it needs), starts one probe process
   per candidate (PyTorch imported under that OPENBLAS_CORETYPE, one thread), checks that each multiplies correctly,
   times `torch.mm` at 1024 in interleaved rounds, and keeps the fastest. A candidate that crashes, computes wrong
   results or is not in this OpenBLAS build (`openblas_get_corename` then names another kernel) is dropped.
2. It measures the machine's peak FP32 FMA throughput on one core (bench/GenPipe.Bench.Kernels `--limits 1`) and
   refuses a peer whose GEMM 1024 is below half of it: such a comparison would flatter GenPipe.
3. It re-executes the script once with the chosen OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset (this environment sets it
   for some CPUs; it only shrinks OpenBLAS's blocking) and OPENBLAS_NUM_THREADS=1 (the benchmarks raise OpenBLAS's
   count at run time where that is faster, through `openblas_thread_control()`), handing the measurements on in an
   environment variable so `header_lines()` can print them above the results.

`--handicapped-peer` skips the choice and the refusal and runs the peer under the environment as it is (the kernel and
its GEMM speed are still measured and printed). `--peer-coretype NAME` times only that candidate (`unset` for
OpenBLAS's own choice). Run this file alone to see every candidate measured:
    /usr/bin/python3 bench/torch/peer_env.py [--rounds 3] [--seconds 0.3]
"""
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXED_MARK = "GENPIPE_BENCH_ENV_FIXED"
CHOICE_VARIABLE = "GENPIPE_PEER_CHOICE"
PEER_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")
UNSET = "unset"
AS_GIVEN = "as the environment sets it"
PROBE_SIZE = 1024
HANDICAP_FRACTION = 0.5

# OpenBLAS's x86-64 core types, each with the /proc/cpuinfo flags its kernels execute (a core type whose instructions
# the CPU lacks dies of SIGILL, so it is not even tried). Older SSE-era types (Core2, Penryn, Atom, the Bulldozer
# family) are left out: Prescott stands for them, and a CPU that needs them has no AVX to lose.
AVX512 = ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")
CORE_TYPES = [
    ("Prescott", ("pni",)),  # /proc/cpuinfo calls SSE3 "pni"
    ("Nehalem", ("sse4_2",)),
    ("Sandybridge", ("avx",)),
    ("Haswell", ("avx2", "fma")),
    ("Zen", ("avx2", "fma")),
    ("SkylakeX", ("avx2", "fma") + AVX512),
    ("Cooperlake", ("avx2", "fma") + AVX512 + ("avx512_bf16",)),
    ("SapphireRapids", ("avx2", "fma") + AVX512 + ("avx512_bf16", "avx512_fp16", "amx_tile")),
]


# ---- the machine ----------------------------------------------------------------------------------------------------

def cpu_info():
    """Vendor, model name, family, model and flags of the first CPU in /proc/cpuinfo."""
    info = {"vendor": "?", "model name": "unknown CPU", "cpu family": "?", "model": "?", "flags": set()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "vendor_id":
                    info["vendor"] = value
                elif key == "flags":
                    info["flags"] = set(value.split())
                elif key in info:
                    info[key] = value
    except OSError:
        pass
    return info


def instruction_set(flags):
    if all(f in flags for f in AVX512):
        return "AVX-512" + (" (BF16)" if "avx512_bf16" in flags else "")
    if "avx2" in flags and "fma" in flags:
        return "AVX2+FMA, no AVX-512"
    if "avx" in flags:
        return "AVX, no AVX2"
    return "SSE only"


def machine_line():
    """The CPU as it names itself, with the family/model numbers that decide OpenBLAS's kernel, and its vector ISA."""
    info = cpu_info()
    return (f"{info['model name']} ({info['vendor']} family {info['cpu family']} model {info['model']}), "
            f"{os.cpu_count()} cores, {instruction_set(info['flags'])}")


def offered_core_types(flags):
    return [name for name, needs in CORE_TYPES if all(f in flags for f in needs)]


def machine_peak_gflops(threads=1):
    """Peak FP32 FMA throughput measured by GenPipe.Bench.Kernels (independent FMA chains at the widest vector width
    the CPU accelerates), in GFLOP/s; None when it cannot be measured (no .NET SDK)."""
    project = os.path.join(ROOT, "bench", "GenPipe.Bench.Kernels")
    build = subprocess.run(["dotnet", "build", "-c", "Release", "--nologo", "-v", "q", project], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if build.returncode != 0:
        sys.exit(f"building bench/GenPipe.Bench.Kernels (to measure the machine's peak) failed:\n{build.stdout}")
    dll = os.path.join(project, "bin", "Release", "net10.0", "GenPipe.Bench.Kernels.dll")
    answer = subprocess.run(["dotnet", dll, "--limits", str(threads)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if answer.returncode != 0:
        sys.exit(f"GenPipe.Bench.Kernels --limits {threads} failed with exit code {answer.returncode}")
    limits = json.loads(answer.stdout)
    return limits["limits"][str(threads)]["peak_fp32_gflops"], limits.get("peak_vector", "?")


# ---- the probe: one process per candidate kernel --------------------------------------------------------------------

def loaded_libraries():
    with open("/proc/self/maps") as maps:
        return maps.read()


def openblas_library():
    """The OpenBLAS this process loaded (through PyTorch's libblas.so.3), as a ctypes library, or None."""
    import ctypes

    paths = sorted({line.split()[-1] for line in loaded_libraries().splitlines()
                    if "openblas" in line and line.split()[-1].startswith("/")})
    for path in paths:
        try:
            library = ctypes.CDLL(path)
            library.openblas_get_corename.restype = ctypes.c_char_p
            return library
        except (OSError, AttributeError):
            continue
    return None


def core_name():
    """The kernel OpenBLAS runs (openblas_get_corename), or the BLAS's name when it is not OpenBLAS."""
    library = openblas_library()
    if library is not None:
        return library.openblas_get_corename().decode()
    return blas_name()


def blas_name():
    libraries = loaded_libraries()
    for name, label in (("openblas", "OpenBLAS"), ("mkl", "mkl"), ("blis", "blis")):
        if name in libraries:
            return label
    return "reference BLAS"


def probe_main():
    """Runs in a child process under one candidate's environment: says which kernel OpenBLAS chose and how wrong a
    product is, then answers `time SECONDS` lines with the best GFLOP/s of torch.mm at PROBE_SIZE on one thread."""
    import torch

    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    # Odd sizes exercise the kernels' edges; the reference avoids BLAS altogether (a broadcast multiply and a sum).
    a, b = torch.randn(197, 211, generator=g), torch.randn(211, 203, generator=g)
    reference = (a.double()[:, :, None] * b.double()[None, :, :]).sum(1)
    error = ((torch.mm(a, b).double() - reference).abs().max() / reference.abs().max()).item()
    x, y = torch.randn(PROBE_SIZE, PROBE_SIZE, generator=g), torch.randn(PROBE_SIZE, PROBE_SIZE, generator=g)
    torch.mm(x, y)
    print(json.dumps({"core": core_name(), "blas": blas_name(), "max_rel_error": error}), flush=True)
    flops = 2.0 * PROBE_SIZE ** 3
    for line in sys.stdin:
        seconds = float(line.split()[1])
        best, start = float("inf"), time.perf_counter()
        while best == float("inf") or time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            torch.mm(x, y)
            best = min(best, time.perf_counter() - t0)
        print(json.dumps({"gflops": flops / best / 1e9}), flush=True)


def candidate_environment(core_type):
    env = dict(os.environ)
    if core_type != AS_GIVEN:
        env.pop("OPENBLAS_L2_SIZE", None)
        env.pop("OPENBLAS_CORETYPE", None)
        if core_type != UNSET:
            env["OPENBLAS_CORETYPE"] = core_type
    env["OPENBLAS_NUM_THREADS"] = "1"
    env.pop(FIXED_MARK, None)
    env.pop(CHOICE_VARIABLE, None)
    return env


def measure_candidates(core_types, rounds=3, seconds=0.3, log=print):
    """Times torch.mm at PROBE_SIZE on one thread under each core type, interleaved round by round (this VM's
    neighbours steal time in phases of seconds); returns one dict per candidate with its best GFLOP/s or why not."""
    probes = []
    for core_type in core_types:
        process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--probe"], env=candidate_environment(core_type),
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        probes.append({"requested": core_type, "process": process, "gflops": 0.0})
    for probe in probes:
        first = probe["process"].stdout.readline()
        if not first:
            probe["process"].wait()
            probe["dropped"] = f"crashed ({exit_reason(probe['process'].returncode)})"
            continue
        probe.update(json.loads(first))
        requested = probe["requested"]
        if probe["max_rel_error"] > 1e-4:
            probe["dropped"] = f"wrong products (max rel error {probe['max_rel_error']:.1e})"
        elif requested not in (UNSET, AS_GIVEN) and probe["core"].lower() != requested.lower():
            probe["dropped"] = f"not in this OpenBLAS (it ran {probe['core']})"
    for _ in range(rounds):
        for probe in probes:
            if "dropped" in probe:
                continue
            probe["process"].stdin.write(f"time {seconds}\n")
            probe["process"].stdin.flush()
            answer = probe["process"].stdout.readline()
            if not answer:
                probe["dropped"] = "crashed while timing"
                continue
            probe["gflops"] = max(probe["gflops"], json.loads(answer)["gflops"])
    for probe in probes:
        process = probe.pop("process")
        if process.poll() is None:
            process.stdin.close()
            process.wait()
    return probes


def exit_reason(code):
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}" + (": the CPU lacks its instructions" if -code == signal.SIGILL else "")
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def describe_candidate(probe):
    name = probe["requested"] if probe["requested"] != UNSET else "unset"
    if "dropped" in probe:
        return f"{name}: {probe['dropped']}"
    ran = f" (ran {probe['core']})" if probe["requested"] in (UNSET, AS_GIVEN) else ""
    return f"{name}{ran}: {probe['gflops']:.1f}"


# ---- what the scripts call --------------------------------------------------------------------------------------------

def option_value(name):
    if name in sys.argv:
        index = sys.argv.index(name)
        if index + 1 < len(sys.argv):
            return sys.argv[index + 1]
        sys.exit(f"{name} needs a value")
    return None


def restart_with_peer_at_its_best():
    """Chooses the peer's BLAS kernel by measurement, refuses a handicapped peer, and re-executes this script once
    with the chosen environment (see the module's docstring). Call it before importing torch."""
    if os.environ.get(FIXED_MARK) == "1":
        return
    handicapped = "--handicapped-peer" in sys.argv
    forced = option_value("--peer-coretype")
    info = cpu_info()
    if handicapped:
        core_types = [AS_GIVEN]
    elif forced is not None:
        core_types = [forced]
    else:
        core_types = [UNSET] + offered_core_types(info["flags"])
    print(f"# choosing the peer's BLAS kernel: torch.mm {PROBE_SIZE}^3 on 1 thread under OPENBLAS_CORETYPE = "
          f"{', '.join(core_types)}", flush=True)
    probes = measure_candidates(core_types)
    usable = [p for p in probes if "dropped" not in p]
    if not usable:
        sys.exit("No candidate BLAS kernel ran PyTorch correctly: " + "; ".join(describe_candidate(p) for p in probes))
    chosen = max(usable, key=lambda p: p["gflops"])
    peak, vector = machine_peak_gflops(1)
    env = candidate_environment(chosen["requested"])
    how = ("as the environment sets it (--handicapped-peer)" if handicapped
           else "forced with --peer-coretype" if forced is not None else "chosen by measurement")
    choice = {"chosen": chosen, "candidates": probes, "peak_gflops": peak, "peak_vector": vector, "how": how,
              "handicapped": handicapped, "environment": {key: env.get(key, "(unset)") for key in PEER_VARIABLES}}
    for line in header_lines(choice):
        print("# " + line, flush=True)
    if chosen["gflops"] < HANDICAP_FRACTION * peak and not handicapped:
        sys.exit(f"The peer is handicapped: PyTorch's best GEMM {PROBE_SIZE} runs at {chosen['gflops']:.0f} GFLOP/s "
                 f"(OpenBLAS kernel {chosen['core']}), below half of this machine's measured peak of {peak:.0f} "
                 f"GFLOP/s on one core, so a comparison would flatter GenPipe. Candidates: "
                 + "; ".join(describe_candidate(p) for p in probes)
                 + ". Install an OpenBLAS that knows this CPU, or pass --handicapped-peer to compare anyway.")
    env[FIXED_MARK] = "1"
    env[CHOICE_VARIABLE] = json.dumps(choice)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def peer_choice():
    """The measurements restart_with_peer_at_its_best() handed to this process, or None when it did not run."""
    text = os.environ.get(CHOICE_VARIABLE)
    return json.loads(text) if text else None


def header_lines(choice=None):
    """Lines for a result table's header: the machine, the peer's kernel and GEMM speed beside the machine's peak,
    and every candidate measured."""
    choice = choice or peer_choice()
    lines = [f"machine: {machine_line()}; {time.strftime('%Y-%m-%d')}"]
    if choice is None:
        return lines + ["peer BLAS kernel: not measured (run through restart_with_peer_at_its_best())"]
    chosen, peak = choice["chosen"], choice["peak_gflops"]
    lines.append(f"peer BLAS kernel: {chosen['core']} ({chosen['blas']}, {choice['how']}; "
                 f"{', '.join(f'{k}={v}' for k, v in choice['environment'].items())})")
    lines.append(f"peer GEMM {PROBE_SIZE} on 1 thread: {chosen['gflops']:.1f} GFLOP/s = "
                 f"{chosen['gflops'] / peak:.2f} of the machine's measured peak FP32 FMA {peak:.0f} GFLOP/s "
                 f"({choice['peak_vector']}, 1 core)")
    lines.append("candidates (OPENBLAS_CORETYPE: GFLOP/s): " + "; ".join(describe_candidate(p) for p in choice["candidates"]))
    return lines


def require_optimized_blas(torch):
    """Exits when PyTorch multiplies with the reference BLAS (about 40x slower) or with another OpenBLAS kernel than
    the one chosen, unless --handicapped-peer."""
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    if "--handicapped-peer" in sys.argv:
        return
    if blas_name() == "reference BLAS":
        sys.exit("PyTorch is multiplying matrices with the reference BLAS (no OpenBLAS/MKL/BLIS loaded), so it would "
                 "run far below its best. Install OpenBLAS (sudo apt-get install libopenblas0-pthread) and rerun, or "
                 "pass --handicapped-peer to compare anyway.")
    choice = peer_choice()
    if choice is not None and core_name() != choice["chosen"]["core"]:
        sys.exit(f"OpenBLAS runs the {core_name()} kernel in this process, not the {choice['chosen']['core']} "
                 "kernel the measurement chose; the peer's environment did not take effect.")


def openblas_thread_control():
    """openblas_set_num_threads of the OpenBLAS PyTorch loaded, or None when it is not OpenBLAS."""
    library = openblas_library()
    return library.openblas_set_num_threads if library is not None else None


def write_marked_block(path, marker, lines):
    """Replaces the text between <!-- marker:begin --> and <!-- marker:end --> in a docs file with a text block."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    with open(path) as f:
        text = f.read()
    if begin not in text or end not in text:
        sys.exit(f"{path} has no {begin} ... {end} markers to replace")
    block = begin + "\n```text\n" + "\n".join(lines) + "\n```\n" + end
    text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    with open(path, "w") as f:
        f.write(text)
    print(f"# wrote the {marker} block into {path}")


def main():
    """Standalone: every candidate measured (and the machine's peak), nothing chosen or re-executed."""
    if "--probe" in sys.argv:
        probe_main()
        return
    rounds = int(option_value("--rounds") or 3)
    seconds = float(option_value("--seconds") or 0.3)
    info = cpu_info()
    core_types = [UNSET] + offered_core_types(info["flags"])
    if os.environ.get("OPENBLAS_CORETYPE") or os.environ.get("OPENBLAS_L2_SIZE"):
        core_types.append(AS_GIVEN)
    print(f"machine: {machine_line()}")
    probes = measure_candidates(core_types, rounds, seconds)
    peak, vector = machine_peak_gflops(1)
    print(f"torch.mm {PROBE_SIZE}^3, 1 thread, best of {rounds} interleaved rounds of {seconds} s:")
    for probe in sorted(probes, key=lambda p: -p["gflops"]):
        verdict = probe.get("dropped") or f"{probe['gflops']:7.1f} GFLOP/s = {probe['gflops'] / peak:.2f} of peak"
        print(f"  OPENBLAS_CORETYPE={probe['requested']:<28} kernel {probe.get('core', '?'):<12} {verdict}")
    print(f"machine peak FP32 FMA, 1 core: {peak:.0f} GFLOP/s ({vector}, measured)")


if __name__ == "__main__":
    main()
