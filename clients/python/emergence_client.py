#!/usr/bin/python3
"""The client's command line (emergence.cli) run from a checkout, without installing the package:
the same as `python -m emergence`, with the repository's demo run as the experiment's default config.

  emergence_client.py [--target HOST:PORT] [--token T] experiment [--modulus 11 --steps 200 ... --json]
  emergence_client.py [--target HOST:PORT] [--token T] persistence [--points FILE | --circle N] [--json]
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from emergence.cli import main  # noqa: E402 (the package beside this file)

# The canonical demo run, shared with `./emergence demo` and the Node client.
DEMO_RUN = HERE.parents[1] / "proto" / "src" / "main" / "resources" / "emergence" / "v1" / "configs" / "demo-run.json"

if __name__ == "__main__":
    sys.exit(main(default_config=DEMO_RUN))
