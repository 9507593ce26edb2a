"""Vectorized delta rule (MLP.loss_and_gradients) vs the index form vs a Value graph.

Baseline: the vectorized MLP, measured in the same run; the table gives how many
times slower the readable versions are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import fmt, median_time

from course_utils.delta_rule import index_form_gradients, value_graph_loss
from course_utils.mlp import MLP


def value_graph_gradients(mlp, x, y):
    value_graph_loss(mlp, x, y)[0].backward()


def main():
    rows = []
    for sizes, n in (([2, 4, 3, 2], 1), ([2, 4, 3, 2], 64), ([10, 32, 32, 4], 64)):
        rng = np.random.default_rng(0)
        mlp = MLP(sizes, seed=0)
        x, y = rng.normal(size=(n, sizes[0])), rng.uniform(size=(n, sizes[-1]))
        t_fast = median_time(lambda mlp=mlp, x=x, y=y: mlp.loss_and_gradients(x, y))
        t_index = median_time(lambda mlp=mlp, x=x, y=y: index_form_gradients(mlp, x, y), repeats=3)
        t_graph = median_time(lambda mlp=mlp, x=x, y=y: value_graph_gradients(mlp, x, y), repeats=3)
        rows.append((f"{'-'.join(map(str, sizes))}, N={n}", t_fast, t_index, t_graph))
    print("| network, batch | vectorized | index form | Value graph | index / vectorized | graph / vectorized |")
    print("|---|---|---|---|---|---|")
    for name, f, i, g in rows:
        print(f"| {name} | {fmt(f)} | {fmt(i)} | {fmt(g)} | {i / f:.0f}x | {g / f:.0f}x |")


if __name__ == "__main__":
    main()
