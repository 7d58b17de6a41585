#!/usr/bin/python3
"""Captions for the digits, from the label and attributes measured on the pixels, and the small CLIP tokenizer they use.

Attributes (each measured on the [0, 1] image, then ranked within the digit's own class, so that "a thick one" means
thick for a one):
    stroke mass  the total ink (sum of levels)                                 lowest third "thin",   highest "thick"
    slant        the shear of the ink: -cov(column, row) / var(row), > 0 leans right   lowest "upright", highest "slanted"
    width        the columns holding ink (level >= 0.5), first to last          lowest "narrow",  highest "wide"
A digit in the middle third of an attribute gets no word for it.

Caption forms, drawn afresh for each digit in each batch: "7", "seven", "a seven", "a 7", "the digit seven",
"the number 7", "a handwritten seven", and with any of the digit's attribute words (each kept with probability one
half, in the order mass, slant, width, joined by commas) "a thick, slanted seven" or "an upright 8". With probability
`dropout` the caption is empty, the unconditional prompt that classifier-free guidance contrasts with.

The tokenizer is CLIP's, cut down the way the tiny test tokenizers are: CLIP's 512 byte symbols (with and without
</w>), then only the merges of CLIP's merges.txt that the caption words use, in CLIP's order, then <|startoftext|> and
<|endoftext|>. A subset of the merges that holds every merge a word used gives that word the same pieces as full CLIP
(each step merges the lowest-ranked pair present, and that pair is in the subset), so the caption words tokenize as
they would with CLIP; other words fall back to smaller pieces. `write_tokenizer(folder, max_length)` writes vocab.json,
merges.txt, tokenizer_config.json and special_tokens_map.json in transformers' layout.
"""
import json
import os
import re

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLIP_TOKENIZER = os.path.join(ROOT, "plugins", "GenPipe.Diffusion", "Sd15", "tokenizer")

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ATTRIBUTES = [("thin", "thick"), ("upright", "slanted"), ("narrow", "wide")]
FORMS = ["{d}", "{w}", "{a} {w}", "{a} {d}", "the digit {w}", "the number {d}", "{a} handwritten {w}"]
BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def measure(images01):
    """[N, 28, 28] float images in [0, 1] -> [N, 3] stroke mass, slant, width."""
    x = np.asarray(images01, dtype=np.float64).reshape(-1, 28, 28)
    rows, cols = np.mgrid[0:28, 0:28].astype(np.float64)
    mass = x.sum(axis=(1, 2))
    weight = np.maximum(mass, 1e-9)
    mr = (x * rows).sum(axis=(1, 2)) / weight
    mc = (x * cols).sum(axis=(1, 2)) / weight
    dr = rows[None] - mr[:, None, None]
    dc = cols[None] - mc[:, None, None]
    slant = -(x * dr * dc).sum(axis=(1, 2)) / np.maximum((x * dr * dr).sum(axis=(1, 2)), 1e-9)
    ink_cols = (x >= 0.5).any(axis=1)
    first = ink_cols.argmax(axis=1)
    last = 27 - ink_cols[:, ::-1].argmax(axis=1)
    width = np.where(ink_cols.any(axis=1), last - first + 1, 0)
    return np.stack([mass, slant, width.astype(np.float64)], axis=1)


def attribute_words(images01, labels):
    """Per digit, a list of its attribute words (0 to 3), from the terciles of its class."""
    values = measure(images01)
    labels = np.asarray(labels)
    words = [[] for _ in range(len(labels))]
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        for a, (low, high) in enumerate(ATTRIBUTES):
            lo, hi = np.quantile(values[members, a], [1 / 3, 2 / 3])
            for i in members:
                if values[i, a] <= lo:
                    words[i].append(low)
                elif values[i, a] >= hi:
                    words[i].append(high)
    # keep mass, slant, width order whatever the loop order above
    order = {w: k for k, pair in enumerate(ATTRIBUTES) for w in pair}
    return [sorted(ws, key=order.get) for ws in words]


def article(next_word):
    return "an" if next_word[0] in "aeiou8" else "a"


def caption(digit, words, rng, dropout=0.1):
    """One caption for a digit with its attribute words; rng is a numpy Generator."""
    if rng.random() < dropout:
        return ""
    kept = [w for w in words if rng.random() < 0.5]
    noun = WORDS[digit] if rng.random() < 0.7 else str(digit)
    if kept:
        head = ", ".join(kept)
        return f"{article(head)} {head} {noun}"
    text = FORMS[rng.integers(len(FORMS))].format(d=digit, w=WORDS[digit], a="{a}")
    return re.sub(r"\{a\} (\S+)", lambda m: f"{article(m.group(1))} {m.group(1)}", text)


def all_caption_words():
    words = set(WORDS) | {str(d) for d in range(10)} | {w for pair in ATTRIBUTES for w in pair}
    for form in FORMS:
        words |= {w for w in form.split() if not w.startswith("{")}
    return sorted(words | {"a", "an", ","})


# ------------------------------------------------------------------------------------------------------- tokenizer

def _clip_merges():
    with open(os.path.join(CLIP_TOKENIZER, "merges.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")[1:]
    return [tuple(line.split()) for line in lines if line]


def _bpe(word, ranks, used):
    parts = list(word[:-1]) + [word[-1] + "</w>"]
    while len(parts) > 1:
        pairs = [(ranks.get((parts[i], parts[i + 1]), None), i) for i in range(len(parts) - 1)]
        pairs = [p for p in pairs if p[0] is not None]
        if not pairs:
            break
        rank = min(pairs)[0]
        first, second = next((parts[i], parts[i + 1]) for r, i in pairs if r == rank)
        used.add(rank)
        merged, i = [], 0
        while i < len(parts):
            if i < len(parts) - 1 and parts[i] == first and parts[i + 1] == second:
                merged.append(first + second)
                i += 2
            else:
                merged.append(parts[i])
                i += 1
        parts = merged
    return parts


def pre_tokenize(text):
    """CLIP's pre-tokenizer for the ASCII text captions use: lower case, letters runs, single digits, other runs."""
    return re.findall(r"[a-z]+|[0-9]|[^\sa-z0-9]+", " ".join(text.lower().split()))


def build_tokenizer():
    """(vocab dict, merges list) of the cut-down CLIP tokenizer."""
    merges = _clip_merges()
    ranks = {pair: r for r, pair in enumerate(merges)}
    used = set()
    for word in all_caption_words():
        for piece in pre_tokenize(word):
            _bpe(piece, ranks, used)
    with open(os.path.join(CLIP_TOKENIZER, "vocab.json"), encoding="utf-8") as f:
        clip_vocab = json.load(f)
    by_id = sorted(clip_vocab.items(), key=lambda kv: kv[1])
    vocab = {token: i for token, i in by_id[:512]}
    kept = [merges[r] for r in sorted(used)]
    for first, second in kept:
        vocab[first + second] = len(vocab)
    vocab[BOS] = len(vocab)
    vocab[EOS] = len(vocab)
    return vocab, kept


def encode(text, vocab, merges, max_length):
    """CLIP token ids, <|startoftext|> ... <|endoftext|>, padded with <|endoftext|> to max_length (truncated first)."""
    ranks = {pair: r for r, pair in enumerate(merges)}
    ids = [vocab[p] for piece in pre_tokenize(text) for p in _bpe(piece, ranks, set())]
    ids = [vocab[BOS]] + ids[: max_length - 2] + [vocab[EOS]]
    return ids + [vocab[EOS]] * (max_length - len(ids))


def write_tokenizer(folder, max_length):
    vocab, merges = build_tokenizer()
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    specials = {"bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "unk_token": EOS}
    with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
        json.dump(specials, f, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "CLIPTokenizer", "model_max_length": max_length, "do_lower_case": True, **specials}, f, indent=2)
        f.write("\n")
    return vocab, merges


if __name__ == "__main__":
    import sys
    sys.path.insert(0, HERE)
    import digits_data
    data = digits_data.load()
    images = data["train.images"].astype(np.float32) / 255
    labels = data["train.labels"].astype(np.int64)
    words = attribute_words(images, labels)
    rng = np.random.default_rng(0)
    vocab, merges = build_tokenizer()
    print(f"vocabulary {len(vocab)} tokens, {len(merges)} merges; caption words {all_caption_words()}")
    for i in range(12):
        text = caption(int(labels[i]), words[i], rng)
        print(f"{labels[i]} {words[i]!s:32} {text!r:36} {encode(text, vocab, merges, 16)}")
