"""emergence.convert against torch: what it writes, read back by a reader written here from the
safetensors format's description (not by the converter's code), equals what torch saved."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

# The format's dtype codes as numpy reads them (BF16: raw 16-bit patterns).
NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<i2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
         "I8": "i1", "U8": "u1", "BOOL": "?"}


def read_safetensors(path):
    """(metadata, {name: (dtype code, numpy array)}), checking the layout rules as it goes."""
    blob = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", blob[:8])
    raw = blob[8:8 + length]
    assert length % 8 == 0, "header not padded to 8 bytes"
    assert raw == raw.rstrip(b" ") + b" " * (len(raw) - len(raw.rstrip(b" "))), "padding is not spaces"
    header = json.loads(raw.decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in metadata.values())
    data = blob[8 + length:]
    tensors, end = {}, 0
    for name, entry in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = entry["data_offsets"]
        assert begin == end, f"gap or overlap before {name}"
        array = np.frombuffer(data[begin:stop], dtype=NUMPY[entry["dtype"]])
        assert array.size == int(np.prod(entry["shape"], dtype=np.int64)), f"byte count of {name}"
        tensors[name] = (entry["dtype"], array.reshape(entry["shape"]))
        end = stop
    assert end == len(data), "trailing bytes"
    return metadata, tensors


def as_numpy(tensor):
    return (tensor.view(torch.int16) if tensor.dtype == torch.bfloat16 else tensor).numpy()


def run_convert(*args):
    return subprocess.run([sys.executable, "-m", "emergence.convert", *map(str, args)], capture_output=True, text=True)


class ConvertTest(unittest.TestCase):

    def setUp(self):
        scratch = tempfile.TemporaryDirectory(prefix="convert-test-")
        self.addCleanup(scratch.cleanup)
        self.folder = Path(scratch.name)

    def test_every_dtype_round_trips_bit_for_bit(self):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Embedding(7, 5), torch.nn.Linear(5, 3), torch.nn.BatchNorm1d(3))
        state = dict(model.state_dict())  # num_batches_tracked: a 0-d int64
        state.update({
            "half": torch.randn(4, 2).half(), "brain": torch.randn(3, 3).bfloat16(), "double": torch.randn(2).double(),
            "int32": torch.arange(-3, 3, dtype=torch.int32), "int16": torch.tensor([-2, 7], dtype=torch.int16),
            "int8": torch.tensor([-128, 127], dtype=torch.int8), "bytes": torch.tensor([0, 255], dtype=torch.uint8),
            "mask": torch.tensor([[True, False], [False, True]]),
            "transposed": torch.arange(12.0).reshape(3, 4).t(),  # not contiguous
            "empty": torch.zeros(0, 4)})
        torch.save(state, self.folder / "model.pt")

        done = run_convert(self.folder / "model.pt", self.folder / "model.safetensors")
        self.assertEqual(0, done.returncode, done.stderr)
        metadata, tensors = read_safetensors(self.folder / "model.safetensors")
        self.assertEqual({"format": "pt"}, metadata)
        self.assertEqual(list(state), list(tensors), "every tensor once, the data in the state_dict's order")
        for name, value in state.items():
            code, array = tensors[name]
            self.assertEqual(list(value.shape), list(array.shape), name)
            self.assertEqual(value.dtype, {"BF16": torch.bfloat16}.get(code, torch.from_numpy(array.copy()).dtype),
                             name)
            np.testing.assert_array_equal(as_numpy(value.contiguous()), array, err_msg=name)

    def test_a_nested_checkpoint_by_key_with_metadata(self):
        weights = {"w": torch.ones(2, 2)}
        torch.save({"model": weights, "epoch": 3}, self.folder / "checkpoint.pt")
        refused = run_convert(self.folder / "checkpoint.pt", self.folder / "out.safetensors")
        self.assertEqual(1, refused.returncode)
        self.assertIn("model is a dict: pick it with --key", refused.stderr)
        done = run_convert(self.folder / "checkpoint.pt", self.folder / "out.safetensors", "--key", "model",
                           "--metadata", "source=unit test", "--metadata", "step=3")
        self.assertEqual(0, done.returncode, done.stderr)
        metadata, tensors = read_safetensors(self.folder / "out.safetensors")
        self.assertEqual({"source": "unit test", "step": "3"}, metadata)
        np.testing.assert_array_equal(np.ones((2, 2), dtype=np.float32), tensors["w"][1])

    def test_a_pickle_that_would_run_code_is_refused_before_it_runs(self):
        marker = self.folder / "ran"

        class Payload:
            def __reduce__(self):
                return os.system, (f"touch {marker}",)

        torch.save({"w": torch.ones(1), "payload": Payload()}, self.folder / "hostile.pt")
        torch.save(torch.nn.Linear(2, 2), self.folder / "module.pt")
        for name in ("hostile.pt", "module.pt"):
            refused = run_convert(self.folder / name, self.folder / "out.safetensors")
            self.assertEqual(1, refused.returncode, name)
            self.assertIn("Weights only load failed", refused.stderr, name)
        self.assertFalse(marker.exists(), "the pickle's code ran")
        self.assertEqual([], [p.name for p in self.folder.glob("out.safetensors*")], "nothing written")


if __name__ == "__main__":
    unittest.main()
