#!/usr/bin/python3
"""Regenerates the committed stubs in emergence/v1/ from the contracts in proto/.

    /usr/bin/python3 clients/python/generate_stubs.py

The stubs are committed so that the package installs with pip alone (no protoc on the
researcher's machine); tests/test_stubs.py fails, naming this command, when they no longer match
proto/. Debian's protoc and grpc_python_plugin (packages protobuf-compiler and
protobuf-compiler-grpc) make them, and their output loads on Debian's python3-protobuf (4.21) and
newer. Debian's python3-grpc-tools cannot: it bundles protoc 3.5, which rejects proto3 `optional`.
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROTO_ROOT = HERE.parents[1] / "proto" / "src" / "main" / "proto"
PACKAGE = Path("emergence") / "v1"


def generate(out: Path, proto_root: Path = PROTO_ROOT) -> list:
    """Compiles every emergence/v1/*.proto into out/emergence/v1; the generated files' names, sorted."""
    protoc, plugin = shutil.which("protoc"), shutil.which("grpc_python_plugin")
    if not protoc or not plugin:
        raise SystemExit("generate_stubs: needs protoc and grpc_python_plugin "
                         "(Debian packages protobuf-compiler and protobuf-compiler-grpc)")
    files = sorted(str(p.relative_to(proto_root)) for p in (proto_root / PACKAGE).glob("*.proto"))
    if not files:
        raise SystemExit(f"generate_stubs: no .proto files in {proto_root / PACKAGE}")
    subprocess.run([protoc, f"--plugin=protoc-gen-grpc_python={plugin}", f"-I{proto_root}",
                    f"--python_out={out}", f"--grpc_python_out={out}", *files], check=True)
    return sorted(p.name for p in (out / PACKAGE).glob("*_pb2*.py"))


def main() -> None:
    target = HERE / PACKAGE
    with tempfile.TemporaryDirectory() as scratch:
        names = generate(Path(scratch))
        for stale in target.glob("*_pb2*.py"):
            stale.unlink()
        for name in names:
            shutil.copyfile(Path(scratch) / PACKAGE / name, target / name)
    print(f"generate_stubs: wrote {len(names)} files to {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
