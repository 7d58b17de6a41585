#!/usr/bin/python3
"""Trains the small character-level GPT-2 models GenPipe ships, on the Debian `fortunes` corpus.

    sudo apt-get install python3-torch fortunes fortunes-min      # PyTorch (CPU) and the corpus
    /usr/bin/python3 tools/train/train_fortunes.py                 # models/fortune: 1400 steps, about 25 min on 2 cores (1.05 s a step)
    /usr/bin/python3 tools/train/train_fortunes.py --draft         # models/fortune-draft: 1800 steps, about 6 min

Each step is 12 windows of the full 256 positions (shorter windows leave the later position embeddings untrained).
--device cuda runs the same steps on a GPU (the shipped weights came from such a run; about 20 s).

The corpus is every fortune file of /usr/share/games/fortunes (BSD licensed, see models/fortune/LICENSE), split into
fortunes at the "%" lines, shuffled with a fixed seed; 5% of the fortunes are held out to measure perplexity. Each
fortune ends with the end-of-text token (id 0). The model is tools/fixtures/tiny_gpt2.py's GPT-2 (Hugging Face names,
Conv1D layout), so GenPipe loads the export with Gpt2Model.Load. Writes config.json, model.safetensors, vocab.json
(a JSON list: id = index) and metrics.json into the model folder.
"""
import argparse
import glob
import json
import math
import os
import random
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
import safetensors_io  # noqa: E402
from tiny_gpt2 import TinyGpt2  # noqa: E402

END_OF_TEXT = "\u0003"  # one character standing for <|endoftext|> (id 0); it never occurs in the corpus
SIZES = {
    "main": dict(n_embd=192, n_layer=4, n_head=6, n_positions=256),
    "draft": dict(n_embd=64, n_layer=2, n_head=2, n_positions=256),
}


def read_corpus(folder):
    fortunes = []
    for path in sorted(glob.glob(os.path.join(folder, "*"))):
        if path.endswith((".dat", ".u8")) or os.path.isdir(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for piece in text.split("\n%\n"):
            piece = piece.strip("\n%").rstrip()
            if piece:
                fortunes.append(piece + "\n")
    return fortunes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="/usr/share/games/fortunes")
    parser.add_argument("--draft", action="store_true", help="train the small draft model for speculative decoding")
    parser.add_argument("--minutes", type=float, help="train for this long instead of a fixed number of steps")
    parser.add_argument("--out", help="model folder (default models/fortune or models/fortune-draft)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", help="start from this model folder's weights (fine-tuning) instead of random ones")
    parser.add_argument("--context", type=int, help="training window in characters (default: n_positions)")
    parser.add_argument("--batch", type=int, default=12, help="windows per step")
    parser.add_argument("--lr", type=float, help="peak learning rate (default 2e-3, draft 3e-3)")
    parser.add_argument("--steps", type=int, help="train exactly this many steps (default 1400, draft 1800, unless --minutes)")
    parser.add_argument("--device", default="cpu", help="torch device; the recipe is sized for 2 CPU cores")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    out = args.out or os.path.join(ROOT, "models", "fortune-draft" if args.draft else "fortune")
    os.makedirs(out, exist_ok=True)

    fortunes = read_corpus(args.corpus)
    if not fortunes:
        sys.exit(f"no fortunes under {args.corpus}: sudo apt-get install fortunes fortunes-min")
    random.Random(args.seed).shuffle(fortunes)
    held = max(1, len(fortunes) // 20)
    valid_text, train_text = fortunes[:held], fortunes[held:]
    counts = {}
    for text in train_text:
        for ch in text:
            counts[ch] = counts.get(ch, 0) + 1
    # characters seen fewer than 3 times in training are dropped from the vocabulary (their fortunes are skipped)
    chars = [END_OF_TEXT] + sorted(ch for ch, n in counts.items() if n >= 3)
    vocab = {ch: i for i, ch in enumerate(chars)}

    def encode(texts):
        ids = []
        for text in texts:
            if all(ch in vocab for ch in text):
                ids.extend(vocab[ch] for ch in text)
                ids.append(0)
        return torch.tensor(ids, dtype=torch.long)

    train_ids, valid_ids = encode(train_text), encode(valid_text)
    size = SIZES["draft" if args.draft else "main"]
    cfg = dict(vocab_size=len(chars), layer_norm_epsilon=1e-5, **size)
    model = TinyGpt2(cfg)
    for name, p in model.named_parameters():
        if p.dim() >= 2:
            torch.nn.init.normal_(p, std=0.02)
        elif name.endswith("bias"):
            torch.nn.init.zeros_(p)
    if args.init:
        # Fine-tuning: same vocabulary and shapes, weights from the earlier run.
        with open(os.path.join(args.init, "vocab.json"), encoding="utf-8") as f:
            if json.load(f) != chars:
                sys.exit(f"{args.init}/vocab.json differs from this corpus's vocabulary; train from scratch instead")
        state = {k: torch.tensor(v) for k, v in safetensors_io.read(os.path.join(args.init, "model.safetensors")).items()}
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing != ["lm_head.weight"] or unexpected:
            sys.exit(f"{args.init}/model.safetensors does not fit: missing {missing}, unexpected {unexpected}")
    params = sum(p.numel() for p in model.parameters())
    print(f"{len(fortunes)} fortunes, {len(train_ids)} training and {len(valid_ids)} held-out characters, "
          f"vocab {len(chars)}, {params} parameters", flush=True)

    # Full-length windows: a position embedding only learns from windows that reach it.
    context, batch = args.context or size["n_positions"], args.batch
    if not args.minutes and not args.steps:
        args.steps = 1800 if args.draft else 1400
    if context > size["n_positions"]:
        sys.exit(f"--context {context} exceeds n_positions {size['n_positions']}")
    peak = args.lr or (3e-3 if args.draft else 2e-3)
    optimizer = torch.optim.AdamW(model.parameters(), lr=peak, weight_decay=0.01, betas=(0.9, 0.98))
    warmup = 20 if args.init else 100
    g = torch.Generator().manual_seed(args.seed)
    model.to(args.device)
    budget, start, step = (args.minutes or 0) * 60, time.time(), 0
    while (step < args.steps) if args.steps else (time.time() - start < budget):
        progress = step / args.steps if args.steps else (time.time() - start) / budget
        lr_scale = min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * progress))
        for group in optimizer.param_groups:
            group["lr"] = group.setdefault("base_lr", group["lr"]) * lr_scale
        offsets = torch.randint(0, len(train_ids) - context - 1, (batch,), generator=g)
        x = torch.stack([train_ids[o : o + context] for o in offsets]).to(args.device)
        y = torch.stack([train_ids[o + 1 : o + context + 1] for o in offsets]).to(args.device)
        logits, _ = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.3f} ({time.time() - start:.0f} s)", flush=True)

    seconds = time.time() - start
    model.to("cpu").eval()
    with torch.no_grad():
        total, count = 0.0, 0
        for o in range(0, len(valid_ids) - 1, context):
            x = valid_ids[o : o + context][None]
            y = valid_ids[o + 1 : o + context + 1][None]
            x = x[:, : y.shape[1]]
            logits, _ = model(x)
            total += torch.nn.functional.cross_entropy(logits[0], y[0], reduction="sum").item()
            count += y.shape[1]
    nll = total / count
    metrics = {"held_out_characters": count, "held_out_nll_per_char": nll, "held_out_perplexity_per_char": math.exp(nll),
               "bits_per_char": nll / math.log(2), "steps": step, "minutes": round(seconds / 60, 1), "device": args.device, "parameters": params,
               "train_characters": len(train_ids), "context": context, "batch": batch, "peak_lr": peak,
               "initialized_from": os.path.relpath(args.init, ROOT) if args.init else None}
    if args.init and os.path.exists(os.path.join(args.init, "metrics.json")):
        with open(os.path.join(args.init, "metrics.json")) as f:
            metrics["earlier_runs"] = [json.load(f)]
    print(json.dumps(metrics), flush=True)

    state = {k: v for k, v in model.state_dict().items() if k != "lm_head.weight"}  # tied to transformer.wte
    safetensors_io.write(os.path.join(out, "model.safetensors"), state, {"format": "pt"})
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "activation_function": "gelu_new",
              "bos_token_id": 0, "eos_token_id": 0, "tie_word_embeddings": True, **cfg}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(chars, f, ensure_ascii=False)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)


if __name__ == "__main__":
    main()
