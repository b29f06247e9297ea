"""PyTorch state_dict pickles to safetensors, on your own machine.

    python -m emergence.convert model.pt model.safetensors [--key model] [--metadata KEY=VALUE ...]

A pickle runs code when it is loaded, so no Emergence service ever unpickles one: convert here,
where torch.load(weights_only=True) refuses anything but tensors and plain containers, and send the
safetensors file, which is only a JSON header and raw bytes. The output is standard safetensors
(what the `safetensors` package writes and reads): an 8-byte little-endian header length, a JSON
header {name: {dtype, shape, data_offsets}} with an optional __metadata__ of strings, padded with
spaces to a multiple of 8 bytes, then every tensor's little-endian bytes, back to back.
Tensors that share storage (tied weights) are written once per name.
"""
import argparse
import json
import os
import pickle
import struct
import sys
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

import numpy as np
import torch

# torch dtypes by their safetensors codes; bfloat16 has no numpy twin, so it travels as int16 bits.
DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
          torch.bool: "BOOL"}
ALIGNMENT = 8
# transformers' loaders look for it; harmless elsewhere.
DEFAULT_METADATA = {"format": "pt"}


def _little_endian_bytes(name: str, value: Any) -> np.ndarray:
    if not isinstance(value, torch.Tensor):
        kind = "a dict: pick it with --key" if isinstance(value, Mapping) else f"a {type(value).__name__}"
        raise ValueError(f"{name} is {kind}, not a tensor; expected a state_dict (name -> tensor)")
    if value.layout != torch.strided or value.dtype not in DTYPES:
        raise ValueError(f"{name}: {value.layout} {value.dtype} tensors have no safetensors form")
    tensor = value.detach().cpu().contiguous()
    array = (tensor.view(torch.int16) if tensor.dtype == torch.bfloat16 else tensor).numpy()
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).reshape(-1).view(np.uint8)


def save_safetensors(tensors: Mapping[str, torch.Tensor], target: Union[str, os.PathLike],
                     metadata: Optional[Mapping[str, str]] = None) -> Dict[str, Dict[str, Any]]:
    """Writes named tensors as a safetensors file (atomically: a partial file never has the target's
    name); the header written, without __metadata__."""
    header: Dict[str, Any] = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("__metadata__ keys and values must be strings")
        header["__metadata__"] = dict(metadata)
    blobs, offset = [], 0
    for name, value in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"{name!r} cannot name a tensor")
        blob = _little_endian_bytes(name, value)
        header[name] = {"dtype": DTYPES[value.dtype], "shape": list(value.shape),
                        "data_offsets": [offset, offset + blob.size]}
        blobs.append(blob)
        offset += blob.size
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % ALIGNMENT)
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    with open(partial, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(memoryview(blob))
    os.replace(partial, target)
    header.pop("__metadata__", None)
    return header


def convert(source: Union[str, os.PathLike], target: Union[str, os.PathLike], *, key: Optional[str] = None,
            metadata: Optional[Mapping[str, str]] = None) -> Dict[str, Dict[str, Any]]:
    """A torch.save'd state_dict (or the entry `key` of a saved dict, e.g. "model") as a safetensors
    file; the header written, without __metadata__. Loading is weights_only: a pickle that would run
    code is refused (pickle.UnpicklingError) before anything runs."""
    loaded = torch.load(source, map_location="cpu", weights_only=True)
    if key is not None:
        if not isinstance(loaded, Mapping) or key not in loaded:
            raise ValueError(f"{source} has no entry {key!r}")
        loaded = loaded[key]
    if not isinstance(loaded, Mapping):
        raise ValueError(f"{source} holds a {type(loaded).__name__}, not a state_dict (save model.state_dict())")
    return save_safetensors(loaded, target, DEFAULT_METADATA if metadata is None else metadata)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emergence.convert", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="a torch.save'd state_dict (.pt, .pth, .bin)")
    parser.add_argument("target", type=Path, help="the safetensors file to write")
    parser.add_argument("--key", help="convert this entry of a saved dict (e.g. model, state_dict)")
    parser.add_argument("--metadata", action="append", default=[], metavar="KEY=VALUE",
                        help="__metadata__ entries (default: format=pt)")
    args = parser.parse_args(argv)
    metadata = None
    if args.metadata:
        if not all("=" in pair for pair in args.metadata):
            parser.error("--metadata takes KEY=VALUE")
        metadata = dict(pair.split("=", 1) for pair in args.metadata)
    try:
        header = convert(args.source, args.target, key=args.key, metadata=metadata)
    except (OSError, EOFError, ValueError, RuntimeError, pickle.UnpicklingError) as e:
        print(f"emergence.convert: {args.source}: {e}", file=sys.stderr)
        return 1
    size = max((entry["data_offsets"][1] for entry in header.values()), default=0)
    print(f"emergence.convert: {len(header)} tensors, {size} bytes of data -> {args.target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
