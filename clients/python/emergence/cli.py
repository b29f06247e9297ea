"""The command line of the Emergence client: experiments and persistence through the gateway.

  python -m emergence [--target HOST:PORT] [--token T] experiment [--config FILE] [--modulus 11 --steps 200 ... --json]
      runs an experiment (a RunConfig in proto3 JSON, flags overriding its fields) through the
      gateway: create, watch, report
  python -m emergence [--target HOST:PORT] [--token T] persistence [--points FILE | --circle N] [--json]
      persistent homology of a point cloud (the gateway and the tda-service both serve it), printing its H1 bars

Progress goes to stderr, the result to stdout. An RPC error exits 1 with its status code.
"""
import argparse
import math
import os
import random
import sys
import time
from pathlib import Path
from typing import List, Optional

from google.protobuf import json_format

from emergence.client import Analysed, Client, EmergenceError, Finished, Progress, Report, parse
from emergence.v1 import workload_pb2


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def to_json(message) -> str:
    # Default-valued fields included, so an empty series or milestone list still shows its key
    # (protobuf 5.26 renamed the option).
    try:
        return json_format.MessageToJson(message, including_default_value_fields=True, indent=None)
    except TypeError:
        return json_format.MessageToJson(message, always_print_fields_with_no_presence=True, indent=None)


class Deadline:
    """One time budget for the whole command, shared by its calls."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())


def run_config(args) -> workload_pb2.RunConfig:
    """The config file with the flags that were given applied on top (the task flags: modular addition's)."""
    try:
        config = parse(args.config, workload_pb2.RunConfig)
    except (OSError, json_format.ParseError) as e:
        sys.exit(f"{args.config}: {e}")
    task = config.workload.modular_addition
    for flag in ("modulus", "train_fraction"):
        if getattr(args, flag) is not None:
            setattr(task, flag, getattr(args, flag))
    if args.lr is not None:
        config.optimizer.learning_rate = args.lr
    for flag in ("steps", "seed"):
        if getattr(args, flag) is not None:
            setattr(config, flag, getattr(args, flag))
    if args.every_steps is not None:
        config.checkpoints.every_steps = args.every_steps
    if args.per_decade is not None:
        config.checkpoints.per_decade = args.per_decade
    return config


def run_experiment(client: Client, args, deadline: Deadline) -> int:
    created = client.start_experiment(run_config(args), name=args.name, timeout=deadline.left())
    log(f"experiment {created.experiment_id} (run {created.run_id})")

    finished = None
    for event in client.follow(created.experiment_id, timeout=deadline.left()):
        if isinstance(event, Progress):
            test = (f"  test loss {event.test_loss:.4f} acc {event.test_accuracy:.3f}"
                    if event.test_loss is not None else "")
            log(f"step {event.step:>7}  train loss {event.train_loss:.4f} acc {event.train_accuracy:.3f}{test}")
        elif isinstance(event, Analysed):
            log(f"checkpoint {event.step:>7} analysed ({len(event.scalars)} scalars)")
        elif isinstance(event, Finished):
            finished = event

    report = client.report(created.experiment_id, timeout=deadline.left())
    if args.json:
        print(to_json(report.proto))
    else:
        print_report(report)

    if finished is None:
        log("error: the watch ended before the experiment finished")
        return 1
    if not finished.completed:
        log(f"error: experiment {finished.state}: {finished.message}")
        return 1
    return 0


def print_report(report: Report) -> None:
    """The report by its own words: the workload summary, milestone display names, and every series
    under its catalogue entry (display name, unit, group)."""
    entries = report.catalogue
    rank = {series_id: i for i, series_id in enumerate(entries)}

    def label(series_id: str) -> str:
        return entries[series_id].label if series_id in entries else series_id

    def group(series_id: str) -> str:
        return entries[series_id].group if series_id in entries else "Not in the catalogue"

    print(f"experiment {report.experiment_id} ({report.name}): {report.state.lower()}")
    print(f"  {report.workload}")
    print(f"  checkpoints written {report.checkpoints_written}, analysed {report.checkpoints_analysed}; "
          f"{report.wall_time_s:.1f} s, {report.step_time_s * 1000:.2f} ms/step")
    if report.message:
        print(f"  {report.message}")
    print("milestones:")
    for m in report.milestones:
        print(f"  {m.display_name:<34}  {'not reached' if m.step is None else f'step {m.step}'}")
    # The reference series' group first, then headline series and their groups, catalogue order otherwise.
    ordered = sorted(report.series.values(), key=lambda s: (group(s.name) != group(report.reference_series),
                                                            not (s.name in entries and entries[s.name].headline),
                                                            rank.get(s.name, len(rank))))
    groups = {}
    for s in ordered:
        groups.setdefault(group(s.name), []).append(s)
    print(f"series (last value; transition step, size, confidence, lead: steps before "
          f"{label(report.reference_series)}'s):")
    width = max((len(label(name)) for name in report.series), default=0)
    for heading, members in groups.items():
        print(heading)
        for s in members:
            t = report.transitions.get(s.name)
            verdict = ("-" if t is None else "none" if t.step is None else
                       f"step {t.step:<8} size {t.size:+.4g}  confidence {t.confidence:.2f}  lead {t.lead_steps}")
            print(f"  {label(s.name):<{width}}  {s.values[-1]:>10.4g}  {verdict}")


def read_points(path: str) -> List[List[float]]:
    """Rows of coordinates, separated by spaces or commas; blank lines and # comments skipped."""
    try:
        text = Path(path).read_text()
    except OSError as e:
        sys.exit(f"{path}: {e.strerror}")
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].replace(",", " ").strip()
        if line:
            try:
                rows.append([float(x) for x in line.split()])
            except ValueError as e:
                sys.exit(f"{path}:{number}: {e}")
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        sys.exit(f"{path}: expected rows of equally many coordinates")
    return rows


def circle(points: int, noise: float, seed: int) -> List[List[float]]:
    rng = random.Random(seed)
    return [[math.cos(a) + rng.gauss(0, noise), math.sin(a) + rng.gauss(0, noise)]
            for a in (2 * math.pi * i / points for i in range(points))]


def run_persistence(client: Client, args, deadline: Deadline) -> int:
    rows = read_points(args.points) if args.points else circle(args.circle, args.noise, args.seed)
    log(f"{len(rows)} points in {len(rows[0])} dimensions")
    result = client.compute_persistence(rows, max_dimension=args.max_dimension, threshold=args.threshold,
                                        timeout=deadline.left())
    if args.json:
        print(to_json(result.proto))
        return 0
    pairs = sorted(result.diagrams.get(1, []), key=lambda p: p[0] - p[1])
    print(f"H1: {len(pairs)} bars (threshold {result.threshold:.4g}, {result.compute_time_s * 1000:.1f} ms)")
    for birth, death in pairs:
        print(f"  [{birth:.4f}, {death:.4f})  persistence {death - birth:.4f}")
    return 0


def parse_args(argv: Optional[List[str]], default_config: Optional[Path]):
    parser = argparse.ArgumentParser(prog="python -m emergence", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="localhost:9100", help="HOST:PORT of the gateway (default "
                        "localhost:9100); persistence also works against the tda-service (localhost:9103)")
    parser.add_argument("--token", default=os.environ.get("EMERGENCE_TOKEN"),
                        help="bearer token, where the gateway has tenants (default: $EMERGENCE_TOKEN)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the whole command")
    parser.add_argument("--connect-timeout", type=float, default=15, help="seconds to wait for the server")
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--json", action="store_true", help="print the result as JSON (proto3 JSON mapping)")
    commands = parser.add_subparsers(dest="command", required=True)

    experiment = commands.add_parser("experiment", parents=[output], help="create, watch and report an experiment")
    experiment.add_argument("--config", type=Path, default=default_config, required=default_config is None,
                            help="a RunConfig in proto3 JSON" + (" (default: the repository's demo run)"
                                                                 if default_config else "")
                            + "; the flags below override its fields")
    experiment.add_argument("--modulus", type=int, help="p, a prime (modular addition)")
    experiment.add_argument("--train-fraction", type=float, help="modular addition's share of pairs trained on")
    experiment.add_argument("--steps", type=int)
    experiment.add_argument("--lr", type=float, help="learning rate")
    experiment.add_argument("--seed", type=int)
    schedule = experiment.add_mutually_exclusive_group()
    schedule.add_argument("--every-steps", type=int, help="a checkpoint every N steps")
    schedule.add_argument("--per-decade", type=int, help="checkpoints per decade of steps")
    experiment.add_argument("--name", default="python-client")
    experiment.set_defaults(run=run_experiment)

    persistence = commands.add_parser("persistence", parents=[output], help="H1 bars of a point cloud")
    source = persistence.add_mutually_exclusive_group()
    source.add_argument("--points", help="text file, one point per line")
    source.add_argument("--circle", type=int, default=60, help="points on a generated noisy circle")
    persistence.add_argument("--noise", type=float, default=0.05, help="noise of the generated circle")
    persistence.add_argument("--seed", type=int, default=0)
    persistence.add_argument("--max-dimension", type=int, default=1)
    persistence.add_argument("--threshold", type=float, help="largest edge length (default: enclosing radius)")
    persistence.set_defaults(run=run_persistence)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None, default_config: Optional[Path] = None) -> int:
    """The command line; `default_config` is the experiment's RunConfig file when --config is not given."""
    args = parse_args(argv, default_config)
    deadline = Deadline(args.timeout)
    with Client(args.target, token=args.token) as client:
        try:
            client.wait_ready(min(args.connect_timeout, deadline.left()))
            return args.run(client, args, deadline)
        except EmergenceError as e:
            log(f"error: {e}")
            return 1
