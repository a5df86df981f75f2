#!/usr/bin/env python3
"""Plain item table for the `stat alpha` benchmark: N rows x K binary items (0/1) from a
one-factor probit model, so that alpha, omega and the tetrachorics are meaningful.

    scripts/peers/gen-items.py OUT.csv [--rows 1000000] [--items 50] [--seed 5]
"""
import argparse

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--rows", type=int, default=1_000_000)
p.add_argument("--items", type=int, default=50)
p.add_argument("--seed", type=int, default=5)
a = p.parse_args()
rng = np.random.default_rng(a.seed)
loadings = rng.uniform(0.3, 0.8, a.items)
thresholds = rng.uniform(-1.0, 1.0, a.items)
header = ",".join(f"q{j + 1}" for j in range(a.items)) + "\n"
with open(a.out, "w") as f:
    f.write(header)
    block = 100_000
    for start in range(0, a.rows, block):
        m = min(block, a.rows - start)
        eta = rng.standard_normal((m, 1))
        y = eta * loadings + rng.standard_normal((m, a.items)) * np.sqrt(1 - loadings**2)
        x = (y > thresholds).astype(np.uint8)
        # one row = K digits joined by commas
        chars = np.full((m, 2 * a.items), ord(","), dtype=np.uint8)
        chars[:, 0::2] = x + ord("0")
        chars[:, -1] = ord("\n")
        f.write(chars.tobytes().decode("ascii"))
