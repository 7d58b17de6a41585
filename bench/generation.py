#!/usr/bin/python3
"""Text generation tokens per second, GenPipe vs PyTorch, on the same weights and prompts, in one run.

Usage (from the repository root):
    /usr/bin/python3 bench/generation.py [--quick] [--threads 1,2] [--batches 1,8] [--write-docs docs/performance.md]

The shipped character-level GPT-2 (models/fortune) runs greedy decoding with a key/value cache on both sides: PyTorch
through bench/torch/gpt2_decode.py (plain PyTorch, written for speed), GenPipe through bench/GenPipe.Bench.Generation
(dotnet, Release), a server this script talks to on stdin so that the two sides alternate round by round. For batch 1
and 8, at 1 and 2 threads, it reports prompt processing (a 64-token prompt from an empty cache, and the choice of the
first token) and generation (the next tokens, one forward and one argmax each) in tokens per second, checks that both
sides chose the same tokens, times GenPipe's real streaming loop (TextGenerator with a greedy sampler) beside its bare
model loop, and speculative decoding with models/fortune-draft (GenPipe only: the PyTorch peer has none). The last
line is `generation batch 1 tokens/s genpipe/torch: X.XX` (each side at its faster thread count; > 1: GenPipe faster).

Needs Debian's PyTorch with OpenBLAS (`sudo apt-get install python3-torch libopenblas0-pthread`) and the .NET SDK.
The peer runs at its best (see bench/torch/peer_env.py): the script restarts itself under the OpenBLAS kernel
(OPENBLAS_CORETYPE) measured fastest on this CPU, refuses the reference BLAS and a peer below half of the machine's
peak, and gives PyTorch the fastest of its thread layouts and cache variants.
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
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
import peer_env  # noqa: E402

peer_env.restart_with_peer_at_its_best()

try:
    import torch
except ImportError as missing:  # pragma: no cover - depends on the machine
    sys.exit(f"generation.py needs PyTorch ({missing}). On Debian/Ubuntu: sudo apt-get install python3-torch, then run "
             "it with /usr/bin/python3.")

peer_env.require_optimized_blas(torch)
import safetensors_io  # noqa: E402
from gpt2_decode import Gpt2Decoder  # noqa: E402

# Fortune-style lines written for this benchmark; each is cut to the prompt length (characters are tokens here).
PROMPTS = [
    "The best way to predict the future is to keep a very large umbrella and a sense of humour handy.",
    "Q:\tHow many programmers does it take to change a light bulb?\nA:\tThat is a hardware problem, sorry.",
    "You will meet a tall dark stranger who asks you for directions to the nearest library in the rain.",
    "Never put off until tomorrow what you can compile today, unless the build server is already on fire.",
    "A clean desk is a sign of a cluttered drawer, and a cluttered drawer is a sign of a happy weekend.",
    "Your lucky number is seventeen, but only on Tuesdays and never when the moon is shaped like a banana.",
    "Experience is what you get when you did not get what you wanted, and it usually arrives a little late.",
    "If at first you do not succeed, read the manual, then the source code, and then the mailing list archive.",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one round, short timing windows (a smoke run)")
    parser.add_argument("--rounds", type=int, default=3, help="PyTorch/GenPipe alternations per case (default 3)")
    parser.add_argument("--threads", default="1,2", help="thread counts, comma separated (default 1,2)")
    parser.add_argument("--batches", default="1,8", help="batch sizes, comma separated (default 1,8; at most 8)")
    parser.add_argument("--prompt-length", type=int, default=64, help="prompt tokens per sequence (default 64)")
    parser.add_argument("--new-tokens", type=int, default=128, help="tokens generated per sequence (default 128)")
    parser.add_argument("--draft-tokens", default="2,3,4,5,6", help="speculative k values to time (default 2..6; "
                        "empty to skip)")
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "fortune"))
    parser.add_argument("--draft", default=os.path.join(ROOT, "models", "fortune-draft"))
    parser.add_argument("--handicapped-peer", action="store_true", help="keep OPENBLAS_* as the environment sets them "
                        "and compare even if the peer runs below half of the machine's peak")
    parser.add_argument("--peer-coretype", metavar="NAME", help="run the peer under this OPENBLAS_CORETYPE (or 'unset') "
                        "instead of the fastest measured")
    parser.add_argument("--json", metavar="FILE", help="also write all results as JSON")
    parser.add_argument("--write-docs", metavar="FILE", help="replace the section between the text-generation "
                        "markers of FILE (docs/performance.md) with this run's tables")
    return parser.parse_args()


# ---- PyTorch ------------------------------------------------------------------------------------------------------

def load_peer(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    weights = {k: torch.tensor(v) for k, v in safetensors_io.read(os.path.join(folder, "model.safetensors")).items()}
    with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    return config, weights, vocab


def encode_prompts(vocab, length, count):
    index = {ch: i for i, ch in enumerate(vocab)}
    rows = []
    for text in PROMPTS[:count]:
        if len(text) < length:
            sys.exit(f"--prompt-length {length} is longer than a built-in prompt ({len(text)} characters).")
        missing = sorted({ch for ch in text[:length] if ch not in index})
        if missing:
            sys.exit(f"the model's vocab.json has no token for {missing!r}; a built-in prompt needs them.")
        rows.append([index[ch] for ch in text[:length]])
    return rows


def best_time(run, budget, setup=None, minimum=2):
    """Shortest wall time in ms of run() over at least `minimum` calls and `budget` seconds, after one warm-up call;
    setup(), when given, runs untimed before each call."""
    best, count, start = float("inf"), -1, time.perf_counter()
    while count < minimum or time.perf_counter() - start < budget:
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        run()
        if count >= 0:
            best = min(best, time.perf_counter() - t0)
        count += 1
    return 1000.0 * best


class TorchSide:
    """The peer: every cache/attention variant of Gpt2Decoder and every thread layout; each case keeps its fastest."""

    def __init__(self, config, weights, blas):
        self.decoders = {variant: Gpt2Decoder(weights, config, *variant) for variant in Gpt2Decoder.VARIANTS}
        self.blas = blas

    def layouts(self, threads):
        # With t cores: PyTorch t threads and OpenBLAS 1, both t, or PyTorch 1 and OpenBLAS t (see side_by_side.py).
        return [(threads, 1)] + ([(threads, threads), (1, threads)] if threads > 1 and self.blas is not None else [])

    def use(self, torch_threads, blas_threads):
        torch.set_num_threads(torch_threads)
        if self.blas is not None:
            self.blas(blas_threads)

    def prefill(self, prompts, threads, budget):
        decoder = self.decoders[("prealloc", "bmm")]  # one forward from an empty cache: the variants are the same
        best = (float("inf"), None)
        with torch.inference_mode():
            for layout in self.layouts(threads):
                self.use(*layout)
                ms = best_time(lambda: decoder.prefill(prompts), budget)
                best = min(best, (ms, layout), key=lambda x: x[0])
            first = decoder.prefill(prompts)
        return best[0], f"torch {best[1][0]}T/BLAS {best[1][1]}T", first

    def decode(self, prompts, steps, threads, budget):
        best = (float("inf"), None)
        tokens = None
        with torch.inference_mode():
            for layout in self.layouts(threads):
                self.use(*layout)
                for variant, decoder in self.decoders.items():
                    first = decoder.prefill(prompts)
                    # Each timed call decodes from a freshly prefilled cache; the prefill is not timed.
                    ms = best_time(lambda d=decoder, f=first: d.decode(f, steps), budget,
                                   setup=lambda d=decoder: d.prefill(prompts))
                    if ms < best[0]:
                        best = (ms, (layout, variant))
            decoder = self.decoders[best[1][1]]
            first = decoder.prefill(prompts)
            tokens = torch.cat([first[:, None], decoder.decode(first, steps)], 1)
        (layout, variant) = best[1]
        return best[0], f"torch {layout[0]}T/BLAS {layout[1]}T, {variant[0]} cache, {variant[1]}", tokens.tolist()


# ---- GenPipe ------------------------------------------------------------------------------------------------------

class GenPipeSide:
    def __init__(self, model, draft, prompts_file):
        project = os.path.join(HERE, "GenPipe.Bench.Generation")
        build = subprocess.run(["dotnet", "build", "-c", "Release", "--nologo", "-v", "q", project], cwd=ROOT)
        if build.returncode != 0:
            sys.exit(f"building bench/GenPipe.Bench.Generation failed with exit code {build.returncode}")
        dll = os.path.join(project, "bin", "Release", "net10.0", "GenPipe.Bench.Generation.dll")
        command = ["dotnet", dll, "--model", model, "--prompts", prompts_file]
        if draft and os.path.isdir(draft):
            command += ["--draft", draft]
        self.process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = self.process.stdout.readline()
        if '"ready"' not in ready:
            sys.exit(f"GenPipe.Bench.Generation did not start: {ready!r}")

    def ask(self, *words):
        self.process.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        if "error" in answer:
            sys.exit(f"GenPipe.Bench.Generation: {answer['error']}")
        return answer

    def close(self):
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        self.process.wait()


# ---- the run ------------------------------------------------------------------------------------------------------

def agreement(a, b):
    """Tokens equal, position by position, until the first difference (per sequence, summed)."""
    total = 0
    for row_a, row_b in zip(a, b):
        for x, y in zip(row_a, row_b):
            if x != y:
                break
            total += 1
    return total


def settle():
    time.sleep(0.2)  # let PyTorch's and OpenBLAS's spinning threads go to sleep before the other side runs


def main():
    args = parse_args()
    threads = [int(t) for t in args.threads.split(",") if t]
    batches = [int(b) for b in args.batches.split(",") if b]
    draft_tokens = [int(k) for k in args.draft_tokens.split(",") if k]
    rounds = 1 if args.quick else max(1, args.rounds)
    budget = 0.15 if args.quick else 0.4
    steps = args.new_tokens - 1  # the first new token comes from the prompt's logits
    if max(batches) > len(PROMPTS) or min(batches) < 1:
        sys.exit(f"--batches must be within 1..{len(PROMPTS)}")

    config, weights, vocab = load_peer(args.model)
    if args.prompt_length + args.new_tokens > config["n_positions"]:
        sys.exit(f"prompt {args.prompt_length} + {args.new_tokens} new tokens exceed the model's {config['n_positions']} positions")
    prompts = encode_prompts(vocab, args.prompt_length, max(batches))
    workdir = tempfile.mkdtemp(prefix="genpipe-generation-")
    prompts_file = os.path.join(workdir, "prompts.json")
    with open(prompts_file, "w") as f:
        json.dump({"prompts": prompts}, f)

    genpipe = GenPipeSide(args.model, args.draft, prompts_file)
    peer = TorchSide(config, weights, peer_env.openblas_thread_control())
    info = genpipe.ask("info")
    results = []
    for t in threads:
        for b in batches:
            ids = torch.tensor(prompts[:b])
            row = dict(batch=b, threads=t, torch_prefill_ms=float("inf"), genpipe_prefill_ms=float("inf"),
                       torch_decode_ms=float("inf"), genpipe_decode_ms=float("inf"),
                       generator_ms=float("inf"), generator_total_ms=float("inf"))
            for _ in range(rounds):
                # Best-of favours the side that samples longer, so GenPipe gets as much wall time per round as PyTorch
                # spent on all its variants and thread layouts together.
                spent = time.perf_counter()
                ms, how, torch_first = peer.prefill(ids, t, budget)
                spent = time.perf_counter() - spent
                if ms < row["torch_prefill_ms"]:
                    row.update(torch_prefill_ms=ms, torch_prefill_how=how)
                settle()
                answer = genpipe.ask("prefill", b, t, f"{max(budget, spent):.3f}")
                row["genpipe_prefill_ms"] = min(row["genpipe_prefill_ms"], answer["ms"])
                row["prefill_same_first_token"] = answer["tokens"] == torch_first.tolist()
                settle()
                spent = time.perf_counter()
                ms, how, torch_tokens = peer.decode(ids, steps, t, budget * 2)
                spent = time.perf_counter() - spent
                if ms < row["torch_decode_ms"]:
                    row.update(torch_decode_ms=ms, torch_decode_how=how)
                settle()
                answer = genpipe.ask("decode", b, t, steps, f"{max(budget * 2, spent):.3f}")
                if answer["ms"] < row["genpipe_decode_ms"]:
                    row.update(genpipe_decode_ms=answer["ms"], genpipe_cpu_ms=answer.get("cpu_ms"),
                               allocated_bytes_per_step=answer["allocated_bytes_per_step"])
                row["same_tokens"] = agreement(answer["tokens"], torch_tokens)
                row["tokens_total"] = b * (steps + 1)
                greedy = answer["tokens"]
                answer = genpipe.ask("generate", b, t, args.new_tokens, budget * 2, 0)
                if answer["ms_generation"] < row["generator_ms"]:
                    row.update(generator_ms=answer["ms_generation"], generator_total_ms=answer["ms_total"])
                row["generator_same_tokens"] = agreement(answer["tokens"], greedy)
                settle()
            row["prefill_tokens"] = b * args.prompt_length
            row["decode_tokens"] = b * steps
            results.append(row)
            print(f"# batch {b} {t}T: prefill torch {row['torch_prefill_ms']:.2f} ms genpipe {row['genpipe_prefill_ms']:.2f} ms;"
                  f" {steps} decode steps torch {row['torch_decode_ms']:.1f} ms ({row['torch_decode_how']}) genpipe "
                  f"{row['genpipe_decode_ms']:.1f} ms (TextGenerator {row['generator_ms']:.1f} ms); same greedy tokens "
                  f"{row['same_tokens']}/{row['tokens_total']}", flush=True)

    speculative = []
    if draft_tokens and 1 in batches:
        for t in threads:
            plain = genpipe.ask("generate", 1, t, args.new_tokens, budget * 2, 0)
            entry = dict(threads=t, plain_ms=plain["ms_total"], runs=[])
            for k in draft_tokens:
                answer = genpipe.ask("generate", 1, t, args.new_tokens, budget * 2, k)
                if "unavailable" in answer:
                    entry["unavailable"] = answer["unavailable"]
                    break
                entry["runs"].append(dict(k=k, ms=answer["ms_total"], acceptance=answer.get("acceptance_rate"),
                                          target_calls=answer.get("target_calls"),
                                          same_tokens=agreement(answer["tokens"], plain["tokens"])))
            speculative.append(entry)
    genpipe.close()
    shutil.rmtree(workdir, ignore_errors=True)
    report(args, info, results, speculative)


def rate(tokens, ms):
    return tokens / ms * 1000.0 if ms and ms != float("inf") else float("nan")


def report(args, info, results, speculative):
    lines = peer_env.header_lines() + [
             f"torch {torch.__version__} ({peer_env.blas_name()}); GenPipe: {info.get('runtime', '?')}, "
             f"{info.get('vectors', '?')}",
             f"model: {os.path.relpath(args.model, ROOT)}, prompt {args.prompt_length} tokens, {args.new_tokens} new tokens "
             f"(greedy; the first from the prompt's logits, then {args.new_tokens - 1} one-token steps)", ""]
    header = ("| batch | thr | prefill torch tok/s | prefill genpipe tok/s | ratio g/t | generation torch tok/s | "
              "generation genpipe tok/s | ratio g/t | TextGenerator tok/s | same tokens | alloc B/step |")
    lines += [header, "|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|"]
    for r in results:
        tp, gp = rate(r["prefill_tokens"], r["torch_prefill_ms"]), rate(r["prefill_tokens"], r["genpipe_prefill_ms"])
        td, gd = rate(r["decode_tokens"], r["torch_decode_ms"]), rate(r["decode_tokens"], r["genpipe_decode_ms"])
        tg = rate(r["decode_tokens"], r["generator_ms"])
        r.update(torch_prefill_tps=tp, genpipe_prefill_tps=gp, torch_generation_tps=td, genpipe_generation_tps=gd,
                 generator_tps=tg)
        lines.append(f"| {r['batch']:>5} | {r['threads']:>3} | {tp:19.0f} | {gp:21.0f} | {gp / tp:9.2f} | {td:22.0f} | "
                     f"{gd:24.0f} | {gd / td:9.2f} | {tg:19.0f} | {r['same_tokens']:>4}/{r['tokens_total']:<6} | "
                     f"{r['allocated_bytes_per_step']:12.0f} |")
    lines.append("")
    lines.append("PyTorch's fastest layout per case: " + "; ".join(
        f"b{r['batch']} {r['threads']}T generation: {r['torch_decode_how']}" for r in results))
    if speculative:
        lines.append("")
        lines.append("Speculative decoding (GenPipe only; batch 1, greedy, draft models/fortune-draft), whole request "
                     "including the prompt:")
        for entry in speculative:
            plain_tps = rate(args.new_tokens, entry["plain_ms"])
            if "unavailable" in entry:
                lines.append(f"  {entry['threads']}T: plain {plain_tps:.0f} tok/s; speculative not available "
                             f"({entry['unavailable']})")
                continue
            cells = [f"k={s['k']}: {rate(args.new_tokens, s['ms']):.0f} tok/s ({rate(args.new_tokens, s['ms']) / plain_tps:.2f}x, "
                     f"acceptance {s['acceptance']:.2f}, same tokens {s['same_tokens']}/{args.new_tokens})"
                     for s in entry["runs"]]
            lines.append(f"  {entry['threads']}T: plain {plain_tps:.0f} tok/s; " + "; ".join(cells))
    last = None
    batch1 = [r for r in results if r["batch"] == 1]
    if batch1:
        best_torch = max(batch1, key=lambda r: r["torch_generation_tps"])
        best_genpipe = max(batch1, key=lambda r: r["genpipe_generation_tps"])
        last = (f"generation batch 1 tokens/s genpipe/torch: "
                f"{best_genpipe['genpipe_generation_tps'] / best_torch['torch_generation_tps']:.2f}")
        lines.append("")
        lines.append(f"batch 1, each side at its faster thread count: GenPipe {best_genpipe['genpipe_generation_tps']:.0f} "
                     f"tok/s ({best_genpipe['threads']}T), PyTorch {best_torch['torch_generation_tps']:.0f} tok/s "
                     f"({best_torch['threads']}T)")
    print()
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "speculative": speculative, "info": info,
                       "machine": peer_env.machine_line(), "peer": peer_env.peer_choice()}, f, indent=1, default=str)
    if args.write_docs:
        peer_env.write_marked_block(args.write_docs, "text-generation", lines + ([""] + [last] if last else []))
    if last:
        print(last)


if __name__ == "__main__":
    main()
