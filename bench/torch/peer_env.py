"""What the side-by-side benchmarks share: running the PyTorch peer at its best on this machine (the rules that
docs/performance.md explains), and writing a result table into its marked block of a docs file.

Import this module before torch: `restart_with_peer_at_its_best()` re-executes the script without OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE (set by this environment, they halve OpenBLAS and PyTorch GEMM speed here) and with
OPENBLAS_NUM_THREADS=1 (PyTorch's own threads plus OpenBLAS's would oversubscribe the cores; the benchmark raises
OpenBLAS's count at run time where that is faster, through `openblas_thread_control()`). `write_marked_block` writes the tables.
"""
import os
import sys

PEER_ENV_FIX = {"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None, "OPENBLAS_NUM_THREADS": "1"}
FIXED_MARK = "GENPIPE_BENCH_ENV_FIXED"


def restart_with_peer_at_its_best():
    """Re-executes this process with the peer's environment fixed, once; `--handicapped-peer` keeps it as it is."""
    if "--handicapped-peer" in sys.argv or os.environ.get(FIXED_MARK) == "1":
        return
    env = dict(os.environ)
    for key, value in PEER_ENV_FIX.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env[FIXED_MARK] = "1"
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def loaded_libraries():
    with open("/proc/self/maps") as maps:
        return maps.read()


def require_optimized_blas(torch):
    """Exits when PyTorch multiplies with the reference BLAS (about 40x slower), unless --handicapped-peer."""
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    libraries = loaded_libraries()
    if any(name in libraries for name in ("openblas", "mkl", "blis")) or "--handicapped-peer" in sys.argv:
        return
    sys.exit("PyTorch is multiplying matrices with the reference BLAS (no OpenBLAS/MKL/BLIS loaded), so it would run "
             "far below its best. Install OpenBLAS (sudo apt-get install libopenblas0-pthread) and rerun, or pass "
             "--handicapped-peer to compare anyway.")


def blas_name():
    libraries = loaded_libraries()
    for name, label in (("openblas", "OpenBLAS"), ("mkl", "mkl"), ("blis", "blis")):
        if name in libraries:
            return label
    return "reference BLAS"


def openblas_thread_control():
    """openblas_set_num_threads of the OpenBLAS PyTorch loaded, or None when it is not OpenBLAS."""
    import ctypes

    paths = set()
    for line in loaded_libraries().splitlines():
        path = line.split()[-1] if line.split() else ""
        if "openblas" in line and path.startswith("/"):
            paths.add(path)
    for path in sorted(paths):
        try:
            return ctypes.CDLL(path).openblas_set_num_threads
        except (OSError, AttributeError):
            continue
    return None


def peer_environment_line():
    return ", ".join(f"{key}={os.environ.get(key, '(unset)')}" for key in PEER_ENV_FIX)


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
