#!/usr/bin/python3
"""Measures models/digits-vae's held-out likelihood: the ELBO and the importance-weighted bound (IWAE, Burda et al. 2015).

    /usr/bin/python3 tools/train/eval_digits_vae.py               # k = 1000 on all 2,000 held-out digits (about 30 min on 2 cores)
    /usr/bin/python3 tools/train/eval_digits_vae.py --k 100       # quicker, looser

The digits are binarized once with a seeded draw (Bernoulli(level / 255), seed 0, the same draw the training script's
held-out ELBO uses). For each digit, k latents z_i ~ q(z | x) give log w_i = log p(x | z_i) + log N(z_i; 0, I) - log q(z_i | x)
(p(x | z): Bernoulli with logits 4 * decoder(z), likelihood.json); the IWAE bound is logsumexp_i(log w_i) - log k and the
ELBO the mean of the log w_i. Both are reported as negative log-likelihoods in nats per digit (lower is better), with
the IWAE value an upper bound on the true negative log-likelihood. Writes them into the model's metrics.json.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
sys.path.insert(0, HERE)
import digits_data  # noqa: E402
from sd_torch import load_vae  # noqa: E402

LOG_2PI = math.log(2 * math.pi)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "digits-vae"))
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--count", type=int, default=2000, help="held-out digits to measure (default all)")
    parser.add_argument("--chunk", type=int, default=4, help="digits per forward pass (k latents each)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only; leave metrics.json alone")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    vae = load_vae(args.model)
    with open(os.path.join(args.model, "likelihood.json")) as f:
        logit_scale = json.load(f)["bernoulli_logit_scale"]

    images = digits_data.part("heldout")[0][: args.count]
    binary = torch.bernoulli(images, generator=torch.Generator().manual_seed(0))
    noise_generator = torch.Generator().manual_seed(1)
    iwae, elbo = [], []
    start = time.time()
    with torch.inference_mode():
        for i in range(0, len(images), args.chunk):
            x = images[i : i + args.chunk]
            target = binary[i : i + args.chunk]
            n = len(x)
            posterior = vae.encode(x * 2 - 1)
            mean, logvar, std = posterior.mean, posterior.logvar, posterior.std
            eps = torch.randn((args.k,) + tuple(mean.shape), generator=noise_generator)
            z = mean.unsqueeze(0) + std.unsqueeze(0) * eps  # [k, n, 4, 7, 7]
            logits = logit_scale * vae.decode(z.reshape(args.k * n, *mean.shape[1:]))
            log_px = -F.binary_cross_entropy_with_logits(
                logits, target.repeat(args.k, 1, 1, 1), reduction="none").flatten(1).sum(1).reshape(args.k, n)
            log_pz = (-0.5 * (z ** 2 + LOG_2PI)).flatten(2).sum(2)
            log_qz = (-0.5 * (eps ** 2 + LOG_2PI) - 0.5 * logvar.unsqueeze(0)).flatten(2).sum(2)
            log_w = log_px + log_pz - log_qz
            iwae.append(torch.logsumexp(log_w, 0) - math.log(args.k))
            elbo.append(log_w.mean(0))
            if (i // args.chunk) % 50 == 0:
                done = i + n
                print(f"{done}/{len(images)} digits: IWAE so far {-torch.cat(iwae).mean().item():.2f} nats ({time.time() - start:.0f} s)", flush=True)
    result = {
        f"heldout_iwae_k{args.k}_nats": round(-torch.cat(iwae).mean().item(), 3),
        "heldout_elbo_nats": round(-torch.cat(elbo).mean().item(), 3),
        "likelihood_digits": len(images),
        "likelihood_data": "held-out digits binarized once, Bernoulli(level / 255) with seed 0",
        "likelihood_seconds": round(time.time() - start, 1),
    }
    print(json.dumps(result))
    if not args.no_write and args.count == 2000:
        path = os.path.join(args.model, "metrics.json")
        with open(path) as f:
            metrics = json.load(f)
        metrics.update(result)
        with open(path, "w") as f:
            json.dump(metrics, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
