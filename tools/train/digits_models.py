"""PyTorch definitions of the digits models that have no diffusers class, shared by their training scripts and
fixture scripts so that the layers and parameter names GenPipe loads are written once.

DigitClassifier: a small all-convolutional CNN on [N, 1, 28, 28] digits in [0, 1] (strided 3x3 convolutions instead of
pooling, SiLU), then a 128-feature layer (the penultimate features the evaluator's Frechet distance uses) and 10 logits.
"""
import json

import torch
from torch import nn
import torch.nn.functional as F

CLASSIFIER_CONFIG = {
    "_class_name": "DigitClassifier",
    "in_channels": 1,
    "sample_size": 28,
    "conv_channels": [32, 32, 64, 64, 128],
    "conv_strides": [1, 2, 1, 2, 1],
    "feature_dim": 128,
    "num_classes": 10,
}


class DigitClassifier(nn.Module):
    def __init__(self, config=None):
        super().__init__()
        config = dict(CLASSIFIER_CONFIG if config is None else config)
        self.config = config
        layers = []
        channels, size = config["in_channels"], config["sample_size"]
        for out, stride in zip(config["conv_channels"], config["conv_strides"]):
            layers.append(nn.Conv2d(channels, out, 3, stride=stride, padding=1))
            channels = out
            size = (size + 2 - 3) // stride + 1
        self.convs = nn.ModuleList(layers)
        self.features = nn.Linear(channels * size * size, config["feature_dim"])
        self.classifier = nn.Linear(config["feature_dim"], config["num_classes"])
        self.dropout = nn.Dropout(0.3)

    def penultimate(self, x):
        for conv in self.convs:
            x = F.silu(conv(x))
        return F.silu(self.features(torch.flatten(x, 1)))

    def forward(self, x):
        return self.classifier(self.dropout(self.penultimate(x)))

    def save_config(self, path):
        with open(path, "w") as f:
            json.dump(self.config, f, indent=2)
            f.write("\n")
