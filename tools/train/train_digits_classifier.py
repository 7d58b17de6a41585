#!/usr/bin/python3
"""Trains models/digits-classifier, the CNN `genpipe eval` scores digits with (tools/train/digits_models.py).

    /usr/bin/python3 tools/train/train_digits_classifier.py            # 30 epochs on the 8,000 training digits, 2 threads

Data: data/digits/digits.safetensors (tools/train/digits_data.py). Training digits are augmented with a random affine
map per image (rotation up to 12 degrees, scale 0.9 to 1.1, shear up to 0.15, shift up to 2.5 pixels: with 8,000
digits instead of MNIST's 60,000 the network would otherwise memorize them). AdamW (weight decay 1e-4), one-cycle
learning rate up to 3e-3, batch 128, dropout 0.3 before the logits, label smoothing 0.05. The held-out 2,000 are never
trained on; their accuracy is in metrics.json. Writes config.json, model.safetensors (PyTorch parameter names) and
metrics.json into the model folder.
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
import safetensors_io  # noqa: E402
from digits_models import DigitClassifier  # noqa: E402


def augment(x, generator):
    n = x.shape[0]
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(12)
    scale = 0.9 + torch.rand(n, generator=generator) * 0.2
    shear = (torch.rand(n, generator=generator) * 2 - 1) * 0.15
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * (2.5 / 14)  # affine_grid works in [-1, 1]: 14 pixels per unit
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin + shear, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def accuracy(model, images, labels, batch=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            correct += (model(images[i : i + batch]).argmax(1) == labels[i : i + batch]).sum().item()
    return correct / len(images)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    digits_data.add_training_arguments(parser, batch=128, lr=3e-3, model="digits-classifier")
    args = parser.parse_args()
    generator = digits_data.start_training(args)
    train_x, train_y = digits_data.part("train")
    test_x, test_y = digits_data.part("heldout")
    model = DigitClassifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(train_x) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch)

    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_x), generator=generator)
        total = 0.0
        for i in range(0, len(order), args.batch):
            index = order[i : i + args.batch]
            logits = model(augment(train_x[index], generator))
            loss = F.cross_entropy(logits, train_y[index], label_smoothing=0.05)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(index)
        if epoch % 5 == 4 or epoch == args.epochs - 1:
            print(f"epoch {epoch + 1}: loss {total / len(train_x):.4f}, held-out accuracy {accuracy(model, test_x, test_y):.4f} "
                  f"({time.time() - start:.0f} s)", flush=True)
    seconds = time.time() - start

    model.eval()
    metrics = {
        "heldout_accuracy": accuracy(model, test_x, test_y),
        "train_accuracy": accuracy(model, train_x, train_y),
        "heldout_count": len(test_x),
        "train_seconds": round(seconds, 1),
        "threads": args.threads,
        "epochs": args.epochs,
        "split_sha256": digits_data.split_hash(digits_data.load()["heldout.index"]),
    }
    os.makedirs(args.out, exist_ok=True)
    model.save_config(os.path.join(args.out, "config.json"))
    safetensors_io.write(os.path.join(args.out, "model.safetensors"), {k: v for k, v in model.state_dict().items()})
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
