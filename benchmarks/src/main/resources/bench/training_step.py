"""Full-batch training steps of the modular-addition MLP and transformer in plain PyTorch: the
reference TrainingStepBenchmark compares our trainer with.

The models are the workloads module's: the MLP (one embedding shared by a and b, concatenated,
a ReLU hidden layer, p logits) and the one-layer transformer (token and positional embeddings,
causal attention, a ReLU MLP block at the last position, no LayerNorm, untied unembedding),
written as one would in PyTorch: per-head projections as single matrix products, and attention
only for the last query, the one position the logits read (a strict reference: the broadcast
per-head products of sgld_draw.py run as loops of small products in Debian's torch; only its
safetensors reader is imported from beside this file). Each run reads its initial parameters and training rows from a safetensors file the
benchmark writes, so both sides train the same model on the same data. A step is what our
trainer does per step: zero the gradients, forward the whole training set, cross-entropy,
backward, AdamW (betas, eps 1e-8, decoupled weight decay, linear learning-rate warm-up), and read
the loss and the batch accuracy back.

Reads one run per line on standard input, "FILE VARIANT STEPS LR WD BETA1 BETA2 WARMUP", so one
process serves the benchmark's interleaved rounds, and answers each with "key value" lines ended
by "end": the loss at the first and last step, and each step's wall and thread-CPU milliseconds.
"""
import argparse
import sys
import time

import torch
import torch.nn.functional as F

from sgld_draw import read_safetensors


def mlp_forward(w, tokens):
    x = F.embedding(tokens, w["embed.W"]).reshape(tokens.shape[0], -1)
    hidden = torch.relu(x @ w["hidden.W"] + w["hidden.b"])
    return hidden @ w["out.W"] + w["out.b"]


def transformer_forward(w, tokens):
    heads, d, head_dim = w["attn.W_Q"].shape
    batch, context = tokens.shape

    def project(x, weights):
        # [.., d] x [d, heads * d_head] in one product, split into heads after.
        return (x @ weights.transpose(0, 1).reshape(d, heads * head_dim)).reshape(*x.shape[:-1], heads, head_dim)

    x = F.embedding(tokens, w["embed.W"]) + w["pos.W"]           # [B, 3, d]
    last = x[:, -1, :]                                             # the last query sees every key
    q = project(last, w["attn.W_Q"])                               # [B, H, d_head]
    k = project(x, w["attn.W_K"])                                  # [B, 3, H, d_head]
    v = project(x, w["attn.W_V"])
    # Three keys per head: elementwise products and sums, not batched 1 x 3 matrix products.
    scores = (q.unsqueeze(1) * k).sum(-1) / head_dim ** 0.5       # [B, 3, H]
    mixed = (scores.softmax(1).unsqueeze(-1) * v).sum(1)           # [B, H, d_head]
    residual = last + mixed.reshape(batch, heads * head_dim) @ w["attn.W_O"].reshape(heads * head_dim, d)
    hidden = torch.relu(residual @ w["mlp.W_in"] + w["mlp.b_in"])
    residual = residual + hidden @ w["mlp.W_out"] + w["mlp.b_out"]
    return residual @ w["unembed.W"]


def model(variant, w):
    forward = mlp_forward if variant == "mlp" else transformer_forward
    return lambda tokens: forward(w, tokens)


def train(path, variant, steps, lr, wd, beta1, beta2, warmup):
    tensors = read_safetensors(path)
    inputs = tensors.pop("data.inputs")
    targets = tensors.pop("data.targets")
    w = {name: value.requires_grad_(True) for name, value in tensors.items()}
    forward = model(variant, w)
    optimiser = torch.optim.AdamW(w.values(), lr=lr, betas=(beta1, beta2), eps=1e-8, weight_decay=wd)
    # Our update u (1-based) uses lr * min(1, u / warmup); LambdaLR's first step is epoch 0.
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda epoch: min(1.0, (epoch + 1) / warmup) if warmup else 1.0)
    losses, wall, cpu = [], [], []
    for _ in range(steps):
        start, start_cpu = time.perf_counter(), time.thread_time()
        optimiser.zero_grad(set_to_none=True)
        logits = forward(inputs)
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
        (logits.argmax(-1) == targets).sum().item()
        wall.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.thread_time() - start_cpu) * 1e3)
    print(f"first_loss {losses[0]:.9g}")
    print(f"last_loss {losses[-1]:.9g}")
    print("wall_ms " + " ".join(f"{t:.4f}" for t in wall))
    print("cpu_ms " + " ".join(f"{t:.4f}" for t in cpu))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    print(f"torch {torch.__version__} threads {torch.get_num_threads()}", flush=True)
    for line in sys.stdin:
        path, variant, steps, lr, wd, beta1, beta2, warmup = line.split()
        train(path, variant, int(steps), float(lr), float(wd), float(beta1), float(beta2), int(warmup))
        print("end", flush=True)


if __name__ == "__main__":
    main()
