"""The examples' tiny model: logistic regression on two noisy 2-D clusters, pure Python."""

from __future__ import annotations

import math
import random

Point = tuple[float, float, int]


def make_data(seed: int, n: int = 200) -> list[Point]:
    """Two noisy clusters in 2-D: points above the line y = -x are class 1."""
    rng = random.Random(seed)
    data = []
    for _ in range(n):
        x, y = rng.uniform(-2, 2), rng.uniform(-2, 2)
        data.append((x, y, int(x + y + rng.gauss(0, 0.4) > 0)))
    return data


def predict(weights: list[float], x: float, y: float) -> float:
    z = weights[0] * x + weights[1] * y + weights[2]
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def loss_and_accuracy(weights: list[float], data: list[Point]) -> tuple[float, float]:
    loss, correct = 0.0, 0
    for x, y, label in data:
        p = min(max(predict(weights, x, y), 1e-9), 1 - 1e-9)
        loss -= label * math.log(p) + (1 - label) * math.log(1 - p)
        correct += int((p > 0.5) == bool(label))
    return loss / len(data), correct / len(data)
