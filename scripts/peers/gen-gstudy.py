#!/usr/bin/env python3
"""Balanced persons x items x occasions data for the `stat gstudy` benchmark (issue 11).

    python3 scripts/peers/gen-gstudy.py OUT.csv [--persons 2000] [--items 6] [--occasions 2] [--seed 1]

Scores are person + item + noise: one row per score (long format: p, i, o, score).
"""
import argparse
import random

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--persons", type=int, default=2000)
ap.add_argument("--items", type=int, default=6)
ap.add_argument("--occasions", type=int, default=2)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
random.seed(a.seed)
with open(a.out, "w", encoding="utf-8") as f:
    f.write("p,i,o,score\n")
    for p in range(a.persons):
        tp = random.gauss(0, 1)
        for i in range(a.items):
            for o in range(a.occasions):
                f.write(f"{p},{i},{o},{tp + random.gauss(0, 0.5) + 0.2 * i:.4f}\n")
