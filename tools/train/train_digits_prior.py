#!/usr/bin/python3
"""Trains models/digits-prior: the repository's GPT-2 over the 7 x 7 codes of models/digits-vq, prefixed by a class token.

    /usr/bin/python3 tools/train/train_digits_prior.py               # 40 epochs, 2 threads

A digit is the sequence [class, c0, ..., c48]: its class token, then the 49 codes digits-vq gives it, in raster order
(row by row, as the VQ's [7, 7] grid flattens). Vocabulary: ids 0..255 are the codes, 256..265 the class tokens
"<zero>" .. "<nine>", 266 "<digit>" (any digit: 10% of training sequences carry it instead of their class, so the prior
also samples unconditionally and classifier-free guidance has an unconditional branch). The model is
tools/fixtures/tiny_gpt2.py's GPT-2 (Hugging Face names), 4 layers of width 128, 4 heads, 50 positions; loss on the
49 codes only. Writes config.json, model.safetensors (lm_head tied to wte, as GPT-2), vocab.json (a JSON list: id =
index) and metrics.json: held-out negative log-likelihood of the codes given the class (nats per digit and bits per
code) and the accuracy of models/digits-classifier on 50 samples per class (temperature 1, decoded by digits-vq).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
sys.path.insert(0, HERE)
import digits_captions  # noqa: E402
import digits_data  # noqa: E402
import safetensors_io  # noqa: E402
import sd_torch  # noqa: E402
from tiny_gpt2 import TinyGpt2  # noqa: E402
from train_digits_ldm import load_classifier  # noqa: E402

VQ = os.path.join(ROOT, "models", "digits-vq")
CODES = 256
CLASS0 = CODES
ANY = CODES + 10
SIZE = dict(n_embd=128, n_layer=4, n_head=4, n_positions=50)


def vocabulary():
    return [f"<c{i}>" for i in range(CODES)] + [f"<{w}>" for w in digits_captions.WORDS] + ["<digit>"]


def encode_codes(vq, images01):
    with torch.no_grad():
        return torch.cat([vq.quantize_latents(vq.encode(images01[i : i + 500] * 2 - 1))[1].flatten(1)
                          for i in range(0, len(images01), 500)])


@torch.no_grad()
def sample(model, first_tokens, generator, temperature=1.0):
    ids = first_tokens[:, None]
    past = None
    step_ids = ids
    for _ in range(49):
        logits, past = model(step_ids, past)
        logits = logits[:, -1, :CODES] / temperature
        step_ids = torch.multinomial(logits.softmax(-1), 1, generator=generator)
        ids = torch.cat([ids, step_ids], 1)
    return ids[:, 1:]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    digits_data.add_training_arguments(parser, batch=64, lr=2e-3, model="digits-prior", epochs=40)
    args = parser.parse_args()
    generator = digits_data.start_training(args)

    vq = sd_torch.load_vq(VQ)
    train, train_labels = digits_data.part("train")
    heldout, heldout_labels = digits_data.part("heldout")
    train_codes, heldout_codes = encode_codes(vq, train), encode_codes(vq, heldout)

    cfg = dict(vocab_size=len(vocabulary()), layer_norm_epsilon=1e-5, **SIZE)
    model = TinyGpt2(cfg)
    for name, p in model.named_parameters():
        if p.dim() >= 2:
            torch.nn.init.normal_(p, std=0.02)
        elif name.endswith("bias"):
            torch.nn.init.zeros_(p)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    steps_per_epoch = math.ceil(len(train) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.05)

    def sequences(codes, labels, drop):
        first = CLASS0 + labels
        if drop > 0:
            first = torch.where(torch.rand(len(labels), generator=generator) < drop, torch.full_like(first, ANY), first)
        return torch.cat([first[:, None], codes], 1)

    def nll(seq):
        logits, _ = model(seq[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), seq[:, 1:].reshape(-1), reduction="none").view(len(seq), -1).sum(1)

    start = time.time()
    epochs_run = 0
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for i in range(0, len(order), args.batch):
            batch = order[i : i + args.batch]
            loss = nll(sequences(train_codes[batch], train_labels[batch], 0.1))
            optimizer.zero_grad(set_to_none=True)
            (loss.mean() / 49).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            total += loss.sum().item()
        epochs_run = epoch + 1
        elapsed = time.time() - start
        print(f"epoch {epochs_run}: train {total / len(train):.2f} nats per digit ({elapsed:.0f} s)", flush=True)
        if args.minutes and elapsed > args.minutes * 60:
            break
    seconds = time.time() - start

    model.eval()
    with torch.no_grad():
        heldout_nll = torch.cat([nll(sequences(heldout_codes[i : i + 500], heldout_labels[i : i + 500], 0))
                                 for i in range(0, len(heldout), 500)]).mean().item()
    classifier = load_classifier()
    per_class = 50
    first = CLASS0 + torch.arange(10).repeat_interleave(per_class)
    codes = sample(model, first, torch.Generator().manual_seed(0))
    with torch.no_grad():
        pictures = (vq.decode_indices(codes.view(-1, 7, 7)) + 1).div(2).clamp(0, 1)
        read = classifier(pictures).argmax(-1)
    accuracy = (read == torch.arange(10).repeat_interleave(per_class)).float().mean().item()

    os.makedirs(args.out, exist_ok=True)
    state = {k: v for k, v in model.state_dict().items() if k != "lm_head.weight"}
    safetensors_io.write(os.path.join(args.out, "model.safetensors"), state, {"format": "pt"})
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "activation_function": "gelu_new",
              "bos_token_id": ANY, "eos_token_id": ANY, "tie_word_embeddings": True, **cfg}
    metrics = {
        "heldout_nll_nats_per_digit": round(heldout_nll, 3),
        "heldout_bits_per_code": round(heldout_nll / 49 / math.log(2), 4),
        "class_accuracy_of_samples": round(accuracy, 4),
        "evaluation": f"{per_class} samples per class, temperature 1, seed 0, decoded by models/digits-vq, read by models/digits-classifier",
        "epochs": epochs_run, "train_seconds": round(seconds, 1), "threads": args.threads,
        "parameters": sum(p.numel() for p in model.parameters()),
        "split_sha256": digits_data.split_hash(digits_data.load()["heldout.index"]),
    }
    for name, value in (("config.json", config), ("vocab.json", vocabulary()), ("metrics.json", metrics)):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(value, f, indent=1 if name != "vocab.json" else None)
            f.write("\n")
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
