#!/usr/bin/python3
"""Example client of the Emergence services, on stubs generated from proto/ at start-up.

  emergence_client.py [--target HOST:PORT] experiment [--modulus 11 --steps 200 ... --json]
      runs the demo experiment (the repository's demo-run.json, flags overriding its fields)
      through the gateway: create, watch, report
  emergence_client.py [--target HOST:PORT] persistence [--points FILE | --circle N] [--json]
      persistent homology of a point cloud on the tda-service, printing its H1 bars

Progress goes to stderr, the result to stdout. An RPC error exits 1 with its status code.
"""
import argparse
import atexit
import importlib
import math
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import grpc
from google.protobuf import json_format

REPO = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO / "proto" / "src" / "main" / "proto"
# The canonical demo run, shared with `./emergence demo` and the Node client.
DEMO_RUN = REPO / "proto" / "src" / "main" / "resources" / "emergence" / "v1" / "configs" / "demo-run.json"


def log(message):
    print(message, file=sys.stderr, flush=True)


def load_stubs(proto_root):
    """Compiles the contracts into a temporary folder and imports them, so the stubs always match proto/.

    Debian's grpc-tools bundles protoc 3.5, which rejects proto3 `optional`; the system protoc
    with gRPC's Python plugin (packages protobuf-compiler, protobuf-compiler-grpc) does not.
    """
    protoc, plugin = shutil.which("protoc"), shutil.which("grpc_python_plugin")
    if not protoc or not plugin:
        sys.exit("emergence_client: needs protoc and grpc_python_plugin "
                 "(Debian packages protobuf-compiler and protobuf-compiler-grpc)")
    out = tempfile.mkdtemp(prefix="emergence-stubs-")
    atexit.register(shutil.rmtree, out, True)
    files = sorted(str(p.relative_to(proto_root)) for p in (proto_root / "emergence" / "v1").glob("*.proto"))
    compiled = subprocess.run([protoc, f"--plugin=protoc-gen-grpc_python={plugin}", f"-I{proto_root}",
                               f"--python_out={out}", f"--grpc_python_out={out}", *files])
    if compiled.returncode != 0 or not files:
        sys.exit(f"emergence_client: could not compile the contracts in {proto_root}")
    sys.path.insert(0, out)

    def module(name):
        return importlib.import_module(f"emergence.v1.{name}")

    return SimpleNamespace(workload=module("workload_pb2"), tensor=module("tensor_pb2"),
                           gateway=module("gateway_pb2"), gateway_grpc=module("gateway_pb2_grpc"),
                           tda=module("tda_pb2"), tda_grpc=module("tda_pb2_grpc"))


def to_json(message):
    # Default-valued fields included, so an empty series or milestone list still shows its key.
    return json_format.MessageToJson(message, including_default_value_fields=True, indent=None)


class Deadline:
    """One time budget for the whole command, shared by its calls."""

    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(0.0, self.end - time.monotonic())


def demo_run(pb, args):
    """The demo config with the flags that were given applied on top."""
    config = json_format.Parse(args.config.read_text(), pb.workload.RunConfig())
    task = config.workload.modular_addition
    for flag, field in (("modulus", "modulus"), ("train_fraction", "train_fraction")):
        if getattr(args, flag) is not None:
            setattr(task, field, getattr(args, flag))
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


def run_experiment(pb, channel, args, deadline):
    stub = pb.gateway_grpc.ExperimentServiceStub(channel)
    config = demo_run(pb, args)
    created = stub.CreateExperiment(pb.gateway.CreateExperimentRequest(run=config, name=args.name),
                                    timeout=deadline.left())
    log(f"experiment {created.experiment_id} (run {created.run_id})")

    finished = None
    watch = pb.gateway.WatchExperimentRequest(experiment_id=created.experiment_id)
    for event in stub.WatchExperiment(watch, timeout=deadline.left()):
        kind = event.WhichOneof("event")
        if kind == "progress":
            p = event.progress
            test = f"  test loss {p.test_loss:.4f} acc {p.test_accuracy:.3f}" if p.evaluated else ""
            log(f"step {p.step:>7}  train loss {p.train_loss:.4f} acc {p.train_accuracy:.3f}{test}")
        elif kind == "analysed":
            log(f"checkpoint {event.analysed.step:>7} analysed ({len(event.analysed.scalars)} scalars)")
        elif kind == "finished":
            finished = event.finished

    report = stub.GetReport(pb.gateway.GetReportRequest(experiment_id=created.experiment_id),
                            timeout=deadline.left())
    if args.json:
        print(to_json(report))
    else:
        print_report(pb, report)

    if finished is None:
        log("error: the watch ended before the experiment finished")
        return 1
    if finished.state != pb.gateway.EXPERIMENT_STATE_COMPLETED:
        log(f"error: experiment {pb.gateway.ExperimentState.Name(finished.state)}: {finished.message}")
        return 1
    return 0


def print_report(pb, report):
    """The report by its own words: the workload summary, milestone display names, and every series
    under its catalogue entry (display name, unit, group)."""
    entries = {d.id: d for d in report.catalogue}
    rank = {d.id: i for i, d in enumerate(report.catalogue)}

    def label(series_id):
        entry = entries.get(series_id)
        if entry is None:
            return series_id
        return f"{entry.display_name} ({entry.unit})" if entry.unit else entry.display_name

    state = pb.gateway.ExperimentState.Name(report.state).replace("EXPERIMENT_STATE_", "").lower()
    print(f"experiment {report.experiment_id} ({report.name}): {state}")
    print(f"  {report.workload}")
    print(f"  checkpoints written {report.checkpoints_written}, analysed {report.checkpoints_analysed}; "
          f"{report.wall_time.ToMilliseconds() / 1000:.1f} s, {report.step_time.ToMicroseconds() / 1000:.2f} ms/step")
    if report.message:
        print(f"  {report.message}")
    print("milestones:")
    for m in report.milestones:
        print(f"  {m.display_name:<34}  {f'step {m.step}' if m.reached else 'not reached'}")
    def group(series_id):
        return entries[series_id].group if series_id in entries else "Not in the catalogue"

    transitions = {t.series: t for t in report.transitions}
    # The reference series' group first, then headline series and their groups, catalogue order otherwise.
    ordered = sorted(report.series, key=lambda s: (group(s.name) != group(report.reference_series),
                                                   not (s.name in entries and entries[s.name].headline),
                                                   rank.get(s.name, len(rank))))
    groups = {}
    for s in ordered:
        groups.setdefault(group(s.name), []).append(s)
    reference = label(report.reference_series)
    print(f"series (last value; transition step, size, confidence, lead: steps before {reference}'s):")
    width = max([len(label(s.name)) for s in report.series], default=0)
    for group, members in groups.items():
        print(group)
        for s in members:
            t = transitions.get(s.name)
            verdict = ("-" if t is None else "none" if not t.detected else
                       f"step {t.step:<8} size {t.size:+.4g}  confidence {t.confidence:.2f}  lead {t.lead_steps}")
            print(f"  {label(s.name):<{width}}  {s.values[-1]:>10.4g}  {verdict}")


def read_points(path):
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


def circle(points, noise, seed):
    rng = random.Random(seed)
    return [[math.cos(a) + rng.gauss(0, noise), math.sin(a) + rng.gauss(0, noise)]
            for a in (2 * math.pi * i / points for i in range(points))]


def run_persistence(pb, channel, args, deadline):
    rows = read_points(args.points) if args.points else circle(args.circle, args.noise, args.seed)
    flat = [x for row in rows for x in row]
    cloud = pb.tensor.Tensor(name="points", dtype=pb.tensor.D_TYPE_FLOAT64, shape=[len(rows), len(rows[0])],
                             data=struct.pack(f"<{len(flat)}d", *flat))
    request = pb.tda.ComputePersistenceRequest(point_cloud=cloud, max_dimension=args.max_dimension)
    if args.threshold is not None:
        request.threshold = args.threshold
    log(f"{len(rows)} points in {len(rows[0])} dimensions")
    response = pb.tda_grpc.TdaServiceStub(channel).ComputePersistence(request, timeout=deadline.left())
    if args.json:
        print(to_json(response))
        return 0
    h1 = next((d for d in response.diagrams if d.dimension == 1), None)
    pairs = sorted(h1.pairs, key=lambda p: p.birth - p.death) if h1 else []
    print(f"H1: {len(pairs)} bars (threshold {response.threshold:.4g}, "
          f"{response.compute_time.ToMicroseconds() / 1000:.1f} ms)")
    for p in pairs:
        print(f"  [{p.birth:.4f}, {p.death:.4f})  persistence {p.death - p.birth:.4f}")
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", help="HOST:PORT of the service (default: the gateway's localhost:9100 "
                                         "for experiment, the tda-service's localhost:9103 for persistence)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the whole command")
    parser.add_argument("--connect-timeout", type=float, default=15, help="seconds to wait for the server")
    parser.add_argument("--proto-root", type=Path, default=PROTO_ROOT, help="folder holding emergence/v1/*.proto")
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--json", action="store_true", help="print the result as JSON (proto3 JSON mapping)")
    commands = parser.add_subparsers(dest="command", required=True)

    experiment = commands.add_parser("experiment", parents=[output], help="create, watch and report an experiment")
    experiment.add_argument("--config", type=Path, default=DEMO_RUN, help="a RunConfig in proto3 JSON "
                            "(default: the repository's demo run); the flags below override its fields")
    experiment.add_argument("--modulus", type=int, help="p, a prime")
    experiment.add_argument("--train-fraction", type=float)
    experiment.add_argument("--steps", type=int)
    experiment.add_argument("--lr", type=float, help="learning rate")
    experiment.add_argument("--seed", type=int)
    schedule = experiment.add_mutually_exclusive_group()
    schedule.add_argument("--every-steps", type=int, help="a checkpoint every N steps")
    schedule.add_argument("--per-decade", type=int, help="checkpoints per decade of steps")
    experiment.add_argument("--name", default="python-client")
    experiment.set_defaults(run=run_experiment, default_target="localhost:9100")

    persistence = commands.add_parser("persistence", parents=[output], help="H1 bars of a point cloud")
    source = persistence.add_mutually_exclusive_group()
    source.add_argument("--points", help="text file, one point per line")
    source.add_argument("--circle", type=int, default=60, help="points on a generated noisy circle")
    persistence.add_argument("--noise", type=float, default=0.05, help="noise of the generated circle")
    persistence.add_argument("--seed", type=int, default=0)
    persistence.add_argument("--max-dimension", type=int, default=1)
    persistence.add_argument("--threshold", type=float, help="largest edge length (default: enclosing radius)")
    persistence.set_defaults(run=run_persistence, default_target="localhost:9103")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pb = load_stubs(args.proto_root)
    target = args.target or args.default_target
    deadline = Deadline(args.timeout)
    with grpc.insecure_channel(target) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=min(args.connect_timeout, deadline.left()))
        except grpc.FutureTimeoutError:
            log(f"error: UNAVAILABLE: no connection to {target} within {args.connect_timeout:g} s")
            return 1
        try:
            return args.run(pb, channel, args, deadline)
        except grpc.RpcError as e:
            log(f"error: {e.code().name}: {e.details()}")
            return 1


if __name__ == "__main__":
    sys.exit(main())
