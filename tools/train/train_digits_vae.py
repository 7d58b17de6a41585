#!/usr/bin/python3
"""Trains models/digits-vae: a diffusers AutoencoderKL on the digits, as a true VAE (ELBO, beta = 1).

    /usr/bin/python3 tools/train/train_digits_vae.py                  # 30 epochs on the 8,000 training digits, 2 threads
    /usr/bin/python3 tools/train/train_digits_vae.py --minutes 25     # stop after a time budget instead

The model is diffusers' AutoencoderKL (tools/fixtures/sd_torch.py, diffusers' names and config keys, so diffusers
and GenPipe's `autoencoder/kl` load the folder): 1 channel in and out, levels of 16, 32 and 64 channels, one resnet per
level, group norms of 8 groups, no mid-block attention (it cost a third of the training time at 7 x 7), latents 4 x 7 x 7 (28 -> 14 -> 7).

Likelihood: dynamically binarized digits (each pixel drawn as Bernoulli(level / 255) afresh in every batch, the
classical MNIST VAE benchmark). The decoder output y lives in image space, [-1, 1] as diffusers' VAEs use; 4 y is
each pixel's Bernoulli logit (`bernoulli_logit_scale` in likelihood.json), so |y| >= 1 means a sure pixel and the
image (y + 1) / 2, clamped to [0, 1] as pipelines decode it, is the picture of the probabilities. The encoder reads
the digit as an image in [-1, 1] (2 level / 255 - 1). The loss is the negative ELBO in nats per digit: Bernoulli
cross-entropy summed over the 784 pixels plus KL(q(z|x) || N(0, I)) summed over the 196 latents, with the KL weight
warmed up from 0 to 1 over the first 5 epochs (a common guard against inactive latents); the reported ELBO uses
weight 1. After training, scaling_factor is set to 1 / std of the held-out posterior means, as Stable Diffusion's was
chosen, so that scaled latents have unit variance for the diffusion model. Writes config.json,
diffusion_pytorch_model.safetensors, likelihood.json and metrics.json (held-out ELBO; IWAE is measured by
tools/train/eval_digits_vae.py, which is slower).
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
from sd_torch import AutoencoderKL  # noqa: E402

LOGIT_SCALE = 4.0
CONFIG = {
    "_class_name": "AutoencoderKL",
    "_diffusers_version": "0.30.0",
    "in_channels": 1,
    "out_channels": 1,
    "down_block_types": ["DownEncoderBlock2D"] * 3,
    "up_block_types": ["UpDecoderBlock2D"] * 3,
    "block_out_channels": [16, 32, 64],
    "layers_per_block": 1,
    "act_fn": "silu",
    "latent_channels": 4,
    "norm_num_groups": 8,
    "sample_size": 28,
    "scaling_factor": 1.0,
    "mid_block_add_attention": False,
}


def negative_elbo_terms(model, images01, generator, binarize=True):
    """Per digit: reconstruction nats (Bernoulli) and KL nats, one posterior sample each."""
    target = torch.bernoulli(images01, generator=generator) if binarize else images01
    posterior = model.encode(images01 * 2 - 1)
    z = posterior.mean + posterior.std * torch.randn(posterior.mean.shape, generator=generator)
    logits = LOGIT_SCALE * model.decode(z)
    reconstruction = F.binary_cross_entropy_with_logits(logits, target, reduction="none").flatten(1).sum(1)
    kl = 0.5 * (posterior.mean ** 2 + posterior.var - 1 - posterior.logvar).flatten(1).sum(1)
    return reconstruction, kl


def heldout_elbo(model, images01, seed=0, batch=500):
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    totals = []
    with torch.no_grad():
        for i in range(0, len(images01), batch):
            r, k = negative_elbo_terms(model, images01[i : i + batch], generator)
            totals.append(torch.stack([r, k], 1))
    both = torch.cat(totals)
    return both[:, 0].mean().item(), both[:, 1].mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    digits_data.add_training_arguments(parser, batch=64, lr=2e-3, model="digits-vae", epochs=30)
    args = parser.parse_args()
    generator = digits_data.start_training(args)
    train, _ = digits_data.part("train")
    heldout, _ = digits_data.part("heldout")
    model = AutoencoderKL(CONFIG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(train) / args.batch)
    total_steps = args.epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=total_steps, pct_start=0.1)

    start = time.time()
    step = 0
    epochs_run = 0
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train), generator=generator)
        sums = np.zeros(2)
        for i in range(0, len(order), args.batch):
            x = train[order[i : i + args.batch]]
            reconstruction, kl = negative_elbo_terms(model, x, generator)
            beta = min(1.0, step / (5 * steps_per_epoch))
            loss = (reconstruction + beta * kl).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            schedule.step()
            step += 1
            sums += [reconstruction.sum().item(), kl.sum().item()]
        epochs_run = epoch + 1
        elapsed = time.time() - start
        print(f"epoch {epochs_run}: train reconstruction {sums[0] / len(train):.2f} + KL {sums[1] / len(train):.2f} nats ({elapsed:.0f} s)", flush=True)
        if args.minutes and elapsed > args.minutes * 60:
            break
    seconds = time.time() - start

    model.eval()
    with torch.no_grad():
        means = torch.cat([model.encode(heldout[i : i + 500] * 2 - 1).mean for i in range(0, len(heldout), 500)])
    config = dict(CONFIG)
    config["scaling_factor"] = round(1.0 / means.std().item(), 5)
    reconstruction, kl = heldout_elbo(model, heldout)
    metrics = {
        "heldout_negative_elbo_nats": round(reconstruction + kl, 3),
        "heldout_reconstruction_nats": round(reconstruction, 3),
        "heldout_kl_nats": round(kl, 3),
        "data": "dynamically binarized held-out digits (Bernoulli(level / 255)), one draw with seed 0",
        "epochs": epochs_run,
        "train_seconds": round(seconds, 1),
        "threads": args.threads,
        "split_sha256": digits_data.split_hash(digits_data.load()["heldout.index"]),
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    safetensors_io.write(os.path.join(args.out, "diffusion_pytorch_model.safetensors"), model.state_dict())
    with open(os.path.join(args.out, "likelihood.json"), "w") as f:
        json.dump({"type": "bernoulli", "bernoulli_logit_scale": LOGIT_SCALE, "data": "binarized digits, 1 = ink"}, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
