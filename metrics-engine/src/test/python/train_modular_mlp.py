"""Trains a small modular-addition MLP in PyTorch and saves a checkpoint series as TorchScript.

The architecture is the built-in workload's (ModularAdditionMlp): one embedding shared by a and
b, the two concatenated, a ReLU layer and p logits; forward returns (logits, {"hidden": relu}),
the hidden-state convention of docs/import.md. Beside the checkpoints it writes reference.npz:
PyTorch's own logits on x_train and gradients of the train loss at the last checkpoint, the
independent reference the Java tests compare against.

With --parameter-files each checkpoint is also written as parameter files under PyTorch's own
names (emb.weight, hidden.weight, ...): step-<N>.safetensors, by hand with struct and json (the
safetensors package is absent) as the standard format lays it out, and step-<N>.npz (np.savez);
the last checkpoint also as last-F16/BF16/F64.safetensors for the dtype conversions.

--dims D HIDDEN sets the embedding and hidden widths (default 16 and 32).

    /usr/bin/python3 train_modular_mlp.py DATA.npz OUT_DIR STEPS CHECKPOINTS [--dropout] [--parameter-files] [--dims D HIDDEN]
"""
import json
import struct
import sys
from typing import Dict, Tuple

import numpy as np
import torch
from torch import nn


class ModularMlp(nn.Module):
    def __init__(self, p: int, d: int, hidden: int, dropout: float):
        super().__init__()
        self.emb = nn.Embedding(p, d)
        self.hidden = nn.Linear(2 * d, hidden)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, p)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        h = torch.relu(self.hidden(self.emb(x).reshape(x.shape[0], -1)))
        return self.out(self.drop(h)), {"hidden": h}


SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16"}


def write_safetensors(path, tensors, dtype=torch.float32):
    """The standard layout: u64 little-endian header length, the JSON header, the data back to back."""
    header = {"__metadata__": {"format": "pt"}}
    blobs, offset = [], 0
    for name, tensor in tensors.items():
        t = tensor.detach().to(dtype).contiguous()
        # numpy has no bfloat16: its bytes are those of the same bits as int16.
        data = (t.view(torch.int16) if dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def main():
    data_path, out_dir, steps, checkpoints = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    dropout = 0.1 if "--dropout" in sys.argv else 0.0
    torch.manual_seed(0)
    torch.set_num_threads(1)
    data = np.load(data_path)
    x = torch.from_numpy(data["x_train"]).long()
    y = torch.from_numpy(data["y_train"]).long()
    p = int(max(y.max(), x.max())) + 1
    dims = sys.argv.index("--dims") if "--dims" in sys.argv else -1
    d, hidden = (int(sys.argv[dims + 1]), int(sys.argv[dims + 2])) if dims > 0 else (16, 32)
    model = ModularMlp(p, d, hidden, dropout)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1.0, betas=(0.9, 0.98))
    save_at = set(np.unique(np.linspace(0, steps, checkpoints).astype(int)).tolist())
    for step in range(steps + 1):
        if step in save_at:
            model.eval()
            torch.jit.save(torch.jit.script(model), f"{out_dir}/step-{step}.pt")
            if "--parameter-files" in sys.argv:
                state = model.state_dict()
                write_safetensors(f"{out_dir}/step-{step}.safetensors", state)
                np.savez(f"{out_dir}/step-{step}.npz", **{k: v.numpy() for k, v in state.items()})
                if step == steps:
                    for dtype, code in SAFETENSORS_DTYPES.items():
                        write_safetensors(f"{out_dir}/last-{code}.safetensors", state, dtype)
            model.train()
        if step == steps:
            break
        optimiser.zero_grad()
        logits, _ = model(x)
        nn.functional.cross_entropy(logits, y).backward()
        optimiser.step()
    model.eval()
    model.zero_grad()
    logits, hidden = model(x)
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    reference = {"logits": logits.detach().numpy(), "hidden": hidden["hidden"].detach().numpy(),
                 "loss": np.array(loss.item())}
    for name, parameter in model.named_parameters():
        reference["grad." + name] = parameter.grad.numpy()
        reference["param." + name] = parameter.detach().numpy()
    np.savez(f"{out_dir}/reference.npz", **reference)


if __name__ == "__main__":
    main()
