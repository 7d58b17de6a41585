#!/usr/bin/python3
"""Trains models/digits-vq: a diffusers VQModel that turns a digit into 7 x 7 codes from a codebook of 256, and back.

    /usr/bin/python3 tools/train/train_digits_vq.py                  # 20 epochs on the 8,000 training digits, 2 threads
    /usr/bin/python3 tools/train/train_digits_vq.py --minutes 25     # stop after a time budget instead

The model is diffusers' VQModel (tools/fixtures/sd_torch.py, diffusers' names and config keys): the encoder and
decoder of models/digits-vae (1 channel, levels of 16, 32 and 64 channels, one resnet each, 8 norm groups, no mid-block
attention), latents of 8 channels on the 7 x 7 grid, each replaced by the nearest of 256 codebook vectors of width 8.
The codes are the vocabulary of the autoregressive prior (digits-prior) and the masked-token model (digits-maskgit).

Loss: as VQ-VAE trains, with the straight-through gradient: reconstruction + codebook term + 0.25 commitment term
(diffusers' VectorQuantizer, legacy form). Reconstruction is the same Bernoulli likelihood as digits-vae's, against
the grey levels: 4 y is each pixel's logit, y the decoder's output in image space [-1, 1], so (y + 1) / 2 is the
picture. Codes that no digit used during an epoch are restarted on random encoder outputs (a common guard against
codebook collapse). Writes config.json, diffusion_pytorch_model.safetensors and metrics.json: held-out reconstruction
(cross-entropy in nats and mean squared error of the picture), codebook usage (perplexity) and the accuracy of
models/digits-classifier on the reconstructions.
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
import digits_data  # noqa: E402
import safetensors_io  # noqa: E402
from sd_torch import VQModel  # noqa: E402
from train_digits_ldm import load_classifier  # noqa: E402
from train_digits_vae import CONFIG as VAE_CONFIG  # noqa: E402

LOGIT_SCALE = 4.0
BETA = 0.25
# digits-vae's encoder and decoder, with 8 latent channels quantized against 256 codes of width 8.
CONFIG = {
    **{k: v for k, v in VAE_CONFIG.items() if k not in ("_class_name", "latent_channels", "scaling_factor")},
    "_class_name": "VQModel",
    "latent_channels": 8,
    "vq_embed_dim": 8,
    "num_vq_embeddings": 256,
    "norm_type": "group",
    "scaling_factor": 1.0,
    "lookup_from_codebook": False,
    "force_upcast": False,
}


def losses(model, images01):
    """Per digit: reconstruction nats, and the mean codebook and commitment terms; also the indices."""
    z = model.encode(images01 * 2 - 1)
    quantized, indices = model.quantize_latents(z)
    codebook = F.mse_loss(quantized, z.detach())
    commitment = F.mse_loss(z, quantized.detach())
    straight = z + (quantized - z).detach()
    logits = LOGIT_SCALE * super(VQModel, model).decode(straight)
    reconstruction = F.binary_cross_entropy_with_logits(logits, images01, reduction="none").flatten(1).sum(1)
    return reconstruction, codebook, commitment, indices, z


def evaluate(model, images01, labels):
    classifier = load_classifier()
    with torch.no_grad():
        parts = [losses(model, images01[i : i + 500]) for i in range(0, len(images01), 500)]
        reconstruction = torch.cat([p[0] for p in parts])
        indices = torch.cat([p[3] for p in parts]).flatten()
        pictures = torch.cat([(model.decode(model.encode(images01[i : i + 500] * 2 - 1)) + 1).div(2).clamp(0, 1)
                              for i in range(0, len(images01), 500)])
        accuracy = (classifier(pictures).argmax(-1) == labels).float().mean().item()
    counts = torch.bincount(indices, minlength=CONFIG["num_vq_embeddings"]).double()
    p = counts / counts.sum()
    perplexity = math.exp(-(p[p > 0] * p[p > 0].log()).sum().item())
    return {
        "heldout_reconstruction_nats": round(reconstruction.mean().item(), 3),
        "heldout_picture_mse": round(F.mse_loss(pictures, images01).item(), 5),
        "heldout_classifier_accuracy_on_reconstructions": round(accuracy, 4),
        "codes_used": int((counts > 0).sum().item()),
        "code_perplexity": round(perplexity, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    digits_data.add_training_arguments(parser, batch=64, lr=2e-3, model="digits-vq", epochs=20)
    args = parser.parse_args()
    generator = digits_data.start_training(args)
    train, _ = digits_data.part("train")
    heldout, heldout_labels = digits_data.part("heldout")
    model = VQModel(CONFIG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(train) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.1)
    codes = CONFIG["num_vq_embeddings"]

    start = time.time()
    epochs_run = 0
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train), generator=generator)
        used = torch.zeros(codes, dtype=torch.int64)
        recent = []
        total = 0.0
        for i in range(0, len(order), args.batch):
            x = train[order[i : i + args.batch]]
            reconstruction, codebook, commitment, indices, z = losses(model, x)
            loss = reconstruction.mean() + 784 * (codebook + BETA * commitment)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            schedule.step()
            used += torch.bincount(indices.flatten(), minlength=codes)
            recent.append(z.detach().permute(0, 2, 3, 1).reshape(-1, z.shape[1]))
            recent = recent[-20:]
            total += reconstruction.sum().item()
        dead = (used == 0).nonzero().flatten()
        if len(dead) and epoch < args.epochs - 1:
            pool = torch.cat(recent)
            pick = torch.randint(0, len(pool), (len(dead),), generator=generator)
            with torch.no_grad():
                model.quantize.embedding.weight[dead] = pool[pick]
        epochs_run = epoch + 1
        elapsed = time.time() - start
        print(f"epoch {epochs_run}: train reconstruction {total / len(train):.2f} nats, codes used {int((used > 0).sum())}, "
              f"restarted {len(dead)} ({elapsed:.0f} s)", flush=True)
        if args.minutes and elapsed > args.minutes * 60:
            break
    seconds = time.time() - start

    model.eval()
    metrics = evaluate(model, heldout, heldout_labels)
    metrics.update({
        "data": "held-out digits, grey levels / 255 as Bernoulli targets",
        "epochs": epochs_run, "train_seconds": round(seconds, 1), "threads": args.threads,
        "parameters": sum(p.numel() for p in model.parameters()),
        "split_sha256": digits_data.split_hash(digits_data.load()["heldout.index"]),
    })
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    safetensors_io.write(os.path.join(args.out, "diffusion_pytorch_model.safetensors"), model.state_dict())
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
