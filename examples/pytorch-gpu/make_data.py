"""Writes a 3-class spirals dataset (x, y, label) as CSV: small, seeded, no download."""
import argparse
import csv
import math
import os
import random

p = argparse.ArgumentParser()
p.add_argument("--seed", type=int, default=0)
p.add_argument("--n", type=int, default=3000)
p.add_argument("--out", required=True)
a = p.parse_args()
rng = random.Random(a.seed)
os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
with open(a.out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["x", "y", "label"])
    for i in range(a.n):
        k = i % 3
        r = rng.random()
        t = k * 2 * math.pi / 3 + r * 3.5 + rng.gauss(0, 0.12)
        w.writerow([f"{r * math.cos(t):.5f}", f"{r * math.sin(t):.5f}", k])
print(f"wrote {a.n} rows to {a.out}")
