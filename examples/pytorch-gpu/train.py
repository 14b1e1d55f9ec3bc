"""Trains a small MLP with PyTorch (on the GPU Sextant gives it through CUDA_VISIBLE_DEVICES, else
CPU), logs to Sextant, and exports the model to ONNX.

Logging: Sextant's stdlib helper media/python/sextant_log.py when it can be imported (it writes to
the run in SEXTANT_STORE / SEXTANT_RUN_ID), otherwise `::sextant metric ...` lines on stdout, which
the runner reads the same way.
"""
import argparse
import csv
import os
import sys
import time

import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "media", "python"))
try:
    import sextant_log as sx

    def log_metrics(values, step=None):
        sx.log_metrics(values, step=step)

    def log_params(values):
        sx.log_params(values)
except ImportError:  # outside the Sextant repository: the line protocol needs nothing
    def log_metrics(values, step=None):
        parts = " ".join(f"{k}={v}" for k, v in values.items())
        print(f"::sextant metric {parts}" + (f" step={step}" if step is not None else ""), flush=True)

    def log_params(values):
        print("::sextant param " + " ".join(f"{k}={v}" for k, v in values.items()), flush=True)

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--epochs", type=int, default=30)
p.add_argument("--hidden", type=int, default=64)
p.add_argument("--lr", type=float, default=0.01)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--out", required=True)
a = p.parse_args()

torch.manual_seed(a.seed)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
name = torch.cuda.get_device_name(0) if device.type == "cuda" else "CPU"
print(f"device: {device} ({name}); CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '(unset)')}", flush=True)

with open(a.data) as f:
    rows = list(csv.DictReader(f))
x = torch.tensor([[float(r["x"]), float(r["y"])] for r in rows], dtype=torch.float32)
y = torch.tensor([int(r["label"]) for r in rows], dtype=torch.long)
perm = torch.randperm(len(rows), generator=torch.Generator().manual_seed(a.seed))
n_val = len(rows) // 5
val, train = perm[:n_val], perm[n_val:]
x, y = x.to(device), y.to(device)

model = nn.Sequential(nn.Linear(2, a.hidden), nn.ReLU(), nn.Linear(a.hidden, a.hidden), nn.ReLU(), nn.Linear(a.hidden, 3)).to(device)
opt = torch.optim.Adam(model.parameters(), lr=a.lr)
loss_fn = nn.CrossEntropyLoss()
log_params({"epochs": a.epochs, "hidden": a.hidden, "lr": a.lr, "seed": a.seed, "device": str(device)})

started = time.perf_counter()
for epoch in range(a.epochs):
    model.train()
    order = train[torch.randperm(len(train))]
    total = 0.0
    for i in range(0, len(order), 64):
        idx = order[i:i + 64].to(device)
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    model.eval()
    with torch.no_grad():
        acc = (model(x[val.to(device)]).argmax(1) == y[val.to(device)]).float().mean().item()
    log_metrics({"train_loss": total / len(train), "val_accuracy": acc}, step=epoch)
    print(f"epoch {epoch + 1}/{a.epochs}: loss {total / len(train):.4f}, val accuracy {acc:.4f}", flush=True)
print(f"trained in {time.perf_counter() - started:.1f} s on {device}", flush=True)

os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
export = nn.Sequential(model, nn.Softmax(dim=1)).cpu().eval()
options = dict(input_names=["input"], output_names=["probabilities"], dynamic_axes={"input": {0: "N"}, "probabilities": {0: "N"}}, opset_version=13)
try:
    torch.onnx.export(export, torch.zeros(1, 2), a.out, dynamo=False, **options)  # torch >= 2.5: the TorchScript exporter
except TypeError:
    torch.onnx.export(export, torch.zeros(1, 2), a.out, **options)  # older torch has no `dynamo` argument
print(f"exported {a.out}", flush=True)
try:
    import numpy as np
    import onnxruntime as ort

    sess = ort.InferenceSession(a.out, providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input": x[:5].cpu().numpy()})[0]
    want = export(x[:5].cpu()).detach().numpy()
    print(f"onnxruntime check: max |difference| {np.abs(got - want).max():.2e}", flush=True)
except ImportError:
    print("onnxruntime (Python) not installed: skipped the ONNX check", flush=True)
