"""One localised SGLD draw on the modular-addition transformer in plain PyTorch: the reference
SgldDrawBenchmark compares our sampler with.

The model is ModularAdditionTransformer's (workloads module): token and positional embeddings,
one causal attention layer, one ReLU MLP block on the last position, no LayerNorm, untied
unembedding. Parameters and training data come from a safetensors file the benchmark writes, so
both sides start from the same w* and sample minibatches of the same rows. The step is the one of
docs/science.md 2.1, per parameter tensor as devinterp's SGLD optimiser does it:
    w <- w - (eps/2) (n_beta grad L_m(w) + gamma (w - w*)) + N(0, eps)
and each draw reads the minibatch loss back (loss.item()), as the estimate needs it.

Prints "key value" lines: the full-batch loss at w* (to check the model matches ours) and the
per-draw milliseconds after warm-up, in wall time and in this thread's CPU time (with one thread
the work runs on it; CPU time is what the draw costs when neighbours compete for the cores).
"""
import argparse
import json
import math
import struct
import time

import torch

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}
MASKED = -1e9


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        data = bytearray(blob[base + start:base + end])
        tensors[name] = torch.frombuffer(data, dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"]).clone()
    return tensors


def forward(w, tokens, mask, head_dim):
    # F.embedding, as DJL's Embedding op: its backward is a dense scatter, where indexing's
    # backward (index_put with accumulate) sorts the indices.
    x = torch.nn.functional.embedding(tokens, w["embed.W"]) + w["pos.W"]  # [B, 3, d]
    r = x.unsqueeze(1)                                          # [B, 1, 3, d]
    q = r @ w["attn.W_Q"]                                       # [B, H, 3, d_head]
    k = r @ w["attn.W_K"]
    scores = q @ k.transpose(-1, -2) / math.sqrt(head_dim) + mask
    pattern = scores.softmax(-1)
    attended = (pattern @ (r @ w["attn.W_V"]) @ w["attn.W_O"]).sum(1)  # [B, 3, d]
    last = (x + attended)[:, -1, :]
    hidden = torch.relu(last @ w["mlp.W_in"] + w["mlp.b_in"])
    last = last + hidden @ w["mlp.W_out"] + w["mlp.b_out"]
    return last @ w["unembed.W"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--minibatch", type=int, default=256)
    parser.add_argument("--epsilon", type=float, default=1e-4)
    parser.add_argument("--gamma", type=float, default=100.0)
    parser.add_argument("--nbeta", type=float, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    torch.manual_seed(args.seed)

    tensors = read_safetensors(args.file)
    inputs = tensors.pop("data.inputs")
    targets = tensors.pop("data.targets")
    center = {name: value for name, value in tensors.items()}
    head_dim = center["attn.W_Q"].shape[-1]
    mask = torch.triu(torch.full((3, 3), MASKED), diagonal=1)

    with torch.no_grad():
        full = torch.nn.functional.cross_entropy(forward(center, inputs, mask, head_dim), targets).item()
    print(f"loss_at_center {full:.9g}", flush=True)

    w = {name: value.clone().requires_grad_(True) for name, value in center.items()}
    rows = inputs.shape[0]
    order, position = None, rows
    half_eps, noise_std = args.epsilon / 2, math.sqrt(args.epsilon)
    wall, cpu = [], []
    for draw in range(args.warmup + args.draws):
        start, start_cpu = time.perf_counter(), time.thread_time()
        if position + args.minibatch > rows:
            order, position = torch.randperm(rows), 0
        chosen = order[position:position + args.minibatch]
        position += args.minibatch
        loss = torch.nn.functional.cross_entropy(forward(w, inputs[chosen], mask, head_dim), targets[chosen])
        grads = torch.autograd.grad(loss, list(w.values()))
        with torch.no_grad():
            for (name, p), g in zip(w.items(), grads):
                p.add_(half_eps * (args.nbeta * g + args.gamma * (p - center[name])), alpha=-1.0)
                p.add_(torch.randn_like(p), alpha=noise_std)
        loss.item()
        wall.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.thread_time() - start_cpu) * 1e3)
    print(f"torch {torch.__version__} threads {torch.get_num_threads()}")
    for clock, times in (("wall", wall), ("cpu", cpu)):
        timed = sorted(times[args.warmup:])
        print(f"{clock}_median_ms {(timed[(len(timed) - 1) // 2] + timed[len(timed) // 2]) / 2:.6f}")
        print(f"{clock}_p10_ms {timed[len(timed) // 10]:.6f}")
        print(f"{clock}_p90_ms {timed[(9 * len(timed)) // 10]:.6f}")


if __name__ == "__main__":
    main()
