#!/usr/bin/python3
"""Trains models/digits-ldm: text-to-digit latent diffusion, a UNet2DConditionModel on models/digits-vae's latents and a
small CLIPTextModel trained with it from scratch, both in diffusers/transformers layout (a StableDiffusionPipeline folder).

    /usr/bin/python3 tools/train/train_digits_ldm.py                 # 22 epochs, 2 threads
    /usr/bin/python3 tools/train/train_digits_ldm.py --minutes 27    # and stop early when past a time budget

Data: the 8,000 training digits, each encoded once by the frozen digits-vae, as the posterior mean times the VAE's
scaling_factor (1 / std of those means, so unit variance). Means, not posterior samples as Stable Diffusion uses: this
VAE was trained with beta = 1 and leaves many latents inactive (posterior = prior), so a sample would be mostly noise of
std 2.9 after scaling, which the UNet would have to learn and the decoder ignores.
Captions (tools/train/digits_captions.py) are drawn afresh per digit and batch from the label and the digit's measured
stroke mass, slant and width, with 10% empty captions so that classifier-free guidance works. Tokenizer: CLIP's, cut
down to the merges the caption words use (585 tokens), 16 positions.

Models: CLIPTextModel with 3 layers of width 64 (4 heads, MLP 256, quick GELU); UNet2DConditionModel with levels of
32 and 64 channels, one resnet per level, cross-attention at 7 x 7 and in the 4 x 4 mid block, 8 norm groups, context
width 64. Noise: Stable Diffusion's schedule (scaled_linear betas 0.00085 to 0.012, 1,000 steps), epsilon prediction,
mean squared error, AdamW with a one-cycle learning rate. The shipped weights are the exponential moving average
(decay min(0.995, (1 + step) / (10 + step)): over ~1,400 steps the second bound rules) or the last step's, whichever
the check below reads better (metrics.json says which).

After training, the script samples 50 digits per class from the prompts "a zero" .. "a nine" (DDIM, 25 steps,
guidance 4, seed 0), decodes them with the VAE and scores them with models/digits-classifier, and writes the folder:
model_index.json, unet/, text_encoder/, tokenizer/, scheduler/ (DDIM, the pipeline's default), vae/ (a copy of
models/digits-vae) and metrics.json.
"""
import argparse
import copy
import json
import math
import os
import shutil
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
import digits_models  # noqa: E402
import safetensors_io  # noqa: E402
import sd_torch  # noqa: E402

VAE = os.path.join(ROOT, "models", "digits-vae")
CLASSIFIER = os.path.join(ROOT, "models", "digits-classifier")
MAX_LENGTH = 16
TRAIN_STEPS = 1000


def text_config(vocab_size, bos, eos):
    return {
        "architectures": ["CLIPTextModel"], "model_type": "clip_text_model", "torch_dtype": "float32",
        "vocab_size": vocab_size, "hidden_size": 64, "intermediate_size": 256, "num_attention_heads": 4,
        "num_hidden_layers": 3, "max_position_embeddings": MAX_LENGTH, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
        "projection_dim": 64, "bos_token_id": bos, "eos_token_id": eos, "pad_token_id": eos,
        "attention_dropout": 0.0, "dropout": 0.0, "initializer_factor": 1.0, "initializer_range": 0.02,
    }


UNET_CONFIG = {
    "_class_name": "UNet2DConditionModel", "_diffusers_version": "0.30.0",
    "sample_size": 7, "in_channels": 4, "out_channels": 4,
    "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "block_out_channels": [32, 64], "layers_per_block": 1, "attention_head_dim": 4, "cross_attention_dim": 64,
    "norm_num_groups": 8, "norm_eps": 1e-5, "act_fn": "silu", "flip_sin_to_cos": True, "freq_shift": 0,
    "use_linear_projection": False, "transformer_layers_per_block": 1,
}

SCHEDULER_CONFIG = {
    "_class_name": "DDIMScheduler", "_diffusers_version": "0.30.0",
    "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "num_train_timesteps": TRAIN_STEPS,
    "prediction_type": "epsilon", "clip_sample": False, "set_alpha_to_one": False, "steps_offset": 1,
    "timestep_spacing": "leading", "trained_betas": None,
}

MODEL_INDEX = {
    "_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.30.0",
    "feature_extractor": [None, None], "safety_checker": [None, None], "requires_safety_checker": False,
    "scheduler": ["diffusers", "DDIMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
    "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
}


def alphas_cumprod():
    """As diffusers computes them (float32), so that the DDIM below is the scheduler's arithmetic."""
    betas = torch.linspace(SCHEDULER_CONFIG["beta_start"] ** 0.5, SCHEDULER_CONFIG["beta_end"] ** 0.5, TRAIN_STEPS, dtype=torch.float32) ** 2
    return torch.cumprod(1.0 - betas, dim=0)


class Texts:
    """Captions to token ids, cached (the captions repeat)."""

    def __init__(self):
        self.vocab, self.merges = digits_captions.build_tokenizer()
        self.cache = {}

    def ids(self, captions):
        rows = []
        for text in captions:
            if text not in self.cache:
                self.cache[text] = digits_captions.encode(text, self.vocab, self.merges, MAX_LENGTH)
            rows.append(self.cache[text])
        return torch.tensor(rows, dtype=torch.int64)


def trainable(model):
    for p in model.parameters():
        p.requires_grad_(True)
    return model.train()


@torch.no_grad()
def ddim_sample(unet, clip, ids, negative_ids, steps, guidance, generator, acp):
    """DDIM (eta 0, leading spacing, steps_offset 1, set_alpha_to_one false) with classifier-free guidance."""
    n = ids.shape[0]
    context = torch.cat([clip(negative_ids)["last_hidden_state"], clip(ids)["last_hidden_state"]])
    x = torch.randn(n, 4, 7, 7, generator=generator)
    ratio = TRAIN_STEPS // steps
    timesteps = (np.arange(0, steps) * ratio).round()[::-1].astype(np.int64) + 1
    for t in timesteps:
        eps = unet(torch.cat([x, x]), torch.tensor(int(t)), context)
        uncond, cond = eps.chunk(2)
        eps = uncond + guidance * (cond - uncond)
        prev = t - ratio
        a_t = acp[t]
        a_prev = acp[prev] if prev >= 0 else acp[0]
        x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return x


def load_classifier():
    with open(os.path.join(CLASSIFIER, "config.json")) as f:
        model = digits_models.DigitClassifier(json.load(f))
    state = safetensors_io.read(os.path.join(CLASSIFIER, "model.safetensors"))
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
    return model.eval()


def evaluate(unet, clip, vae, texts, per_class, guidance=4.0, steps=25):
    classifier = load_classifier()
    generator = torch.Generator().manual_seed(0)
    acp = alphas_cumprod()
    negative = texts.ids([""] * per_class)
    correct, confidence = np.zeros(10), np.zeros(10)
    for digit in range(10):
        prompt = f"{digits_captions.article(digits_captions.WORDS[digit])} {digits_captions.WORDS[digit]}"
        latents = ddim_sample(unet, clip, texts.ids([prompt] * per_class), negative, steps, guidance, generator, acp)
        with torch.no_grad():
            images = (vae.decode(latents / vae_scale(vae)) + 1).div(2).clamp(0, 1)
            probabilities = classifier(images).softmax(-1)
        correct[digit] = (probabilities.argmax(-1) == digit).float().mean().item()
        confidence[digit] = probabilities[:, digit].mean().item()
    return correct, confidence


def vae_scale(vae):
    return vae.scaling_factor


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-per-class", type=int, default=50)
    parser.add_argument("--ema", type=float, default=0.995)
    digits_data.add_training_arguments(parser, batch=128, lr=1.5e-3, model="digits-ldm", epochs=22)
    args = parser.parse_args()
    generator = digits_data.start_training(args)
    rng = np.random.default_rng(args.seed)

    train, labels = digits_data.part("train")
    words = digits_captions.attribute_words(train[:, 0].numpy(), labels.numpy())
    vae = sd_torch.load_vae(VAE)
    with open(os.path.join(VAE, "config.json")) as f:
        vae.scaling_factor = json.load(f)["scaling_factor"]
    with torch.no_grad():
        posteriors = [vae.encode(train[i : i + 500] * 2 - 1) for i in range(0, len(train), 500)]
    means = torch.cat([p.mean for p in posteriors])

    texts = Texts()
    tc = text_config(len(texts.vocab), texts.vocab[digits_captions.BOS], texts.vocab[digits_captions.EOS])
    clip = trainable(sd_torch.ClipTextModel(tc))
    for embedding in (clip.text_model.embeddings.token_embedding, clip.text_model.embeddings.position_embedding):
        torch.nn.init.normal_(embedding.weight, std=0.02)
    unet = trainable(sd_torch.UNet2DConditionModel(UNET_CONFIG))
    params = list(clip.parameters()) + list(unet.parameters())
    ema = [copy.deepcopy(clip).eval(), copy.deepcopy(unet).eval()]
    for model in ema:
        for p in model.parameters():
            p.requires_grad_(False)
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(train) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.05)
    acp = alphas_cumprod()

    start = time.time()
    step = epochs_run = 0
    for epoch in range(args.epochs):
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for i in range(0, len(order), args.batch):
            batch = order[i : i + args.batch]
            z = means[batch] * vae.scaling_factor
            captions = [digits_captions.caption(int(labels[j]), words[j], rng) for j in batch.tolist()]
            t = torch.randint(0, TRAIN_STEPS, (len(batch),), generator=generator)
            noise = torch.randn(z.shape, generator=generator)
            a = acp[t].view(-1, 1, 1, 1)
            noisy = a.sqrt() * z + (1 - a).sqrt() * noise
            prediction = unet(noisy, t, clip(texts.ids(captions))["last_hidden_state"])
            loss = F.mse_loss(prediction, noise)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            decay = min(args.ema, (1 + step) / (10 + step))
            with torch.no_grad():
                for live, average in zip((clip, unet), ema):
                    for p, q in zip(live.parameters(), average.parameters()):
                        q.mul_(decay).add_(p, alpha=1 - decay)
            total += loss.item() * len(batch)
        epochs_run = epoch + 1
        elapsed = time.time() - start
        print(f"epoch {epochs_run}: loss {total / len(train):.4f} ({elapsed:.0f} s)", flush=True)
        if args.minutes and elapsed > args.minutes * 60:
            break
    seconds = time.time() - start

    # Ship the moving average unless the last weights read better (with ~1,400 steps the average can lag behind).
    candidates = {"ema": ema, "last": [clip.eval(), unet.eval()]}
    scores = {}
    for name, (c, u) in candidates.items():
        scores[name] = evaluate(u, c, vae, texts, args.eval_per_class)
        print(f"{name}: 'a <digit>' accuracy per class {np.round(scores[name][0], 2).tolist()}, mean {scores[name][0].mean():.3f}", flush=True)
    shipped = max(scores, key=lambda name: scores[name][0].mean())
    clip_ema, unet_ema = candidates[shipped]
    accuracy, confidence = scores[shipped]

    out = args.out
    for part in ("unet", "text_encoder", "tokenizer", "scheduler", "vae"):
        os.makedirs(os.path.join(out, part), exist_ok=True)
    digits_captions.write_tokenizer(os.path.join(out, "tokenizer"), MAX_LENGTH)

    def dump(path, value):
        with open(os.path.join(out, path), "w") as f:
            json.dump(value, f, indent=2)
            f.write("\n")

    dump("model_index.json", MODEL_INDEX)
    dump("unet/config.json", UNET_CONFIG)
    dump("text_encoder/config.json", tc)
    dump("scheduler/scheduler_config.json", SCHEDULER_CONFIG)
    safetensors_io.write(os.path.join(out, "unet", "diffusion_pytorch_model.safetensors"), unet_ema.state_dict())
    safetensors_io.write(os.path.join(out, "text_encoder", "model.safetensors"), clip_ema.state_dict())
    for name in ("config.json", "diffusion_pytorch_model.safetensors"):
        shutil.copyfile(os.path.join(VAE, name), os.path.join(out, "vae", name))
    dump("metrics.json", {
        "prompt_accuracy": round(float(accuracy.mean()), 4),
        "prompt_accuracy_per_digit": np.round(accuracy, 3).tolist(),
        "prompt_confidence": round(float(confidence.mean()), 4),
        "evaluation": f"{args.eval_per_class} samples per digit from 'a zero' .. 'a nine', DDIM 25 steps, guidance 4, "
                      "seed 0, scored by models/digits-classifier (training-time check; docs/models.md has the eval)",
        "weights": f"{'moving average' if shipped == 'ema' else 'last step'}; the other read "
                   f"{scores['last' if shipped == 'ema' else 'ema'][0].mean():.4f}",
        "epochs": epochs_run, "train_seconds": round(seconds, 1), "threads": args.threads, "batch": args.batch,
        "unet_parameters": sum(p.numel() for p in unet.parameters()),
        "text_encoder_parameters": sum(p.numel() for p in clip.parameters()),
        "split_sha256": digits_data.split_hash(digits_data.load()["heldout.index"]),
    })
    print(f"wrote {os.path.relpath(out, ROOT)} ({seconds:.0f} s of training)")


if __name__ == "__main__":
    main()
