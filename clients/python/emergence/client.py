"""A typed client of the Emergence gateway: experiments, imports and measurements."""
from __future__ import annotations

import collections
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union

import grpc
import numpy as np
from google.protobuf import json_format
from google.protobuf.message import Message

from emergence.v1 import (gateway_pb2, gateway_pb2_grpc, metrics_pb2, metrics_pb2_grpc, tda_pb2, tda_pb2_grpc,
                          tensor_pb2, trainer_pb2, workload_pb2)

M = TypeVar("M", bound=Message)
# A message given as itself, a dict in the proto3 JSON mapping (camelCase or the .proto's snake_case
# names), JSON text, or a path to a JSON file.
MessageLike = Union[Message, Mapping[str, Any], str, "os.PathLike[str]"]

# The gateway takes messages of up to 65 MiB (tda's input limit plus framing); reports of long
# runs can be as large, so the client accepts the same.
MAX_MESSAGE_BYTES = 64 << 20
# Import chunks: small enough to interleave with other calls, large enough to keep framing cheap.
CHUNK_BYTES = 1 << 20
CHECKPOINT_FILE = re.compile(r"step-(\d{1,18})\.pt")


class EmergenceError(Exception):
    """A call the service refused or could not complete: `code` is its grpc.StatusCode, `details` the message."""

    def __init__(self, code: grpc.StatusCode, details: str):
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


@contextmanager
def _rpc():
    try:
        yield
    except grpc.RpcError as e:
        raise EmergenceError(e.code(), e.details() or "") from None


def parse(value: MessageLike, cls: Type[M]) -> M:
    """`value` as a message of `cls` (see MessageLike); json_format's ParseError names a wrong field."""
    if isinstance(value, cls):
        return value
    if isinstance(value, Message):
        raise TypeError(f"expected {cls.DESCRIPTOR.full_name}, got {value.DESCRIPTOR.full_name}")
    if isinstance(value, os.PathLike):
        value = Path(value).read_text()
    if isinstance(value, str):
        return json_format.Parse(value, cls())
    return json_format.ParseDict(value, cls())


def to_dict(message: Message) -> Dict[str, Any]:
    """A message as plain Python data, in the proto3 JSON mapping (camelCase names, int64 as strings)."""
    return json_format.MessageToDict(message)


_DTYPES = {np.dtype(np.float32): tensor_pb2.D_TYPE_FLOAT32, np.dtype(np.float64): tensor_pb2.D_TYPE_FLOAT64,
           np.dtype(np.int32): tensor_pb2.D_TYPE_INT32, np.dtype(np.int64): tensor_pb2.D_TYPE_INT64,
           np.dtype(np.uint8): tensor_pb2.D_TYPE_UINT8}


def tensor(name: str, values: Any) -> tensor_pb2.Tensor:
    """A Tensor message of an array-like (numpy array, nested lists): float32/64, int32/64 or uint8."""
    array = np.asarray(values)
    if array.dtype.newbyteorder("=") not in _DTYPES:
        raise ValueError(f"{name}: dtype {array.dtype} is not one of float32, float64, int32, int64, uint8")
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    return tensor_pb2.Tensor(name=name, dtype=_DTYPES[array.dtype.newbyteorder("=")], shape=list(array.shape),
                             data=little.tobytes())


def checkpoint(run_id: str, step: int) -> metrics_pb2.CheckpointSource:
    """A checkpoint the trainer wrote (an experiment's run_id and one of its checkpoint steps)."""
    return metrics_pb2.CheckpointSource(ref=tensor_pb2.CheckpointRef(run_id=run_id, step=step))


def inline_checkpoint(config: MessageLike, parameters: Mapping[str, Any], step: int = 0) -> metrics_pb2.CheckpointSource:
    """Parameters sent with the request, for a model of the workload `config` (a RunConfig)."""
    return metrics_pb2.CheckpointSource(inline=metrics_pb2.InlineCheckpoint(
        config=parse(config, workload_pb2.RunConfig), step=step,
        parameters=[tensor(name, values) for name, values in parameters.items()]))


def _state(value: int) -> str:
    return gateway_pb2.ExperimentState.Name(value).removeprefix("EXPERIMENT_STATE_")


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    name: str
    # RUNNING, COMPLETED, STOPPED, FAILED or INCOMPLETE.
    state: str
    # Why it failed, stopped or is incomplete; empty otherwise.
    message: str
    run_id: str
    checkpoints_written: int
    checkpoints_analysed: int
    # The run's config with every default filled in (proto3 JSON mapping).
    run: Dict[str, Any]
    proto: gateway_pb2.Experiment = field(repr=False, compare=False)

    @staticmethod
    def of(message: gateway_pb2.Experiment) -> "Experiment":
        return Experiment(message.experiment_id, message.name, _state(message.state), message.message,
                          message.run_id, message.checkpoints_written, message.checkpoints_analysed,
                          to_dict(message.run), message)


@dataclass(frozen=True)
class Progress:
    """Training progress at a step; test figures only where the step was evaluated."""
    step: int
    train_loss: float
    train_accuracy: float
    test_loss: Optional[float]
    test_accuracy: Optional[float]
    # Workload-specific figures under series ids (e.g. per-task accuracy).
    metrics: Dict[str, float]


@dataclass(frozen=True)
class Analysed:
    """One checkpoint fully analysed: every scalar measured on it, under series ids."""
    step: int
    scalars: Dict[str, float]


@dataclass(frozen=True)
class Finished:
    state: str
    message: str

    @property
    def completed(self) -> bool:
        return self.state == "COMPLETED"


Event = Union[Progress, Analysed, Finished]


def _event(message: gateway_pb2.WatchExperimentResponse) -> Optional[Event]:
    kind = message.WhichOneof("event")
    if kind == "progress":
        p = message.progress
        return Progress(p.step, p.train_loss, p.train_accuracy, p.test_loss if p.evaluated else None,
                        p.test_accuracy if p.evaluated else None, dict(p.metrics))
    if kind == "analysed":
        return Analysed(message.analysed.step, dict(message.analysed.scalars))
    if kind == "finished":
        return Finished(_state(message.finished.state), message.finished.message)
    return None


@dataclass(frozen=True)
class Series:
    name: str
    steps: List[int]
    values: List[float]

    def to_numpy(self) -> Tuple[np.ndarray, np.ndarray]:
        """(steps as int64, values as float64)."""
        return np.asarray(self.steps, dtype=np.int64), np.asarray(self.values, dtype=np.float64)


@dataclass(frozen=True)
class SeriesInfo:
    """A series' catalogue entry: what a person reads for its id."""
    id: str
    display_name: str
    unit: str
    group: str
    headline: bool
    description: str

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.unit})" if self.unit else self.display_name


@dataclass(frozen=True)
class Milestone:
    name: str
    display_name: str
    series: str
    threshold: float
    # None where the series never reached the threshold.
    step: Optional[int]


@dataclass(frozen=True)
class Transition:
    series: str
    # None where the series has no significant change point (then size, confidence and lead are 0).
    step: Optional[int]
    size: float
    confidence: float
    # Steps by which it came before the reference series' transition (negative: after).
    lead_steps: int


@dataclass(frozen=True)
class Report:
    experiment_id: str
    name: str
    state: str
    message: str
    # A one-line description of the workload, e.g. "modular addition, p = 53, MLP".
    workload: str
    run_id: str
    run: Dict[str, Any]
    # Every measured scalar over checkpoint steps, by series id, in the report's order.
    series: Dict[str, Series]
    milestones: List[Milestone]
    # One verdict per series, lined up against reference_series.
    transitions: Dict[str, Transition]
    reference_series: str
    catalogue: Dict[str, SeriesInfo]
    checkpoints_written: int
    checkpoints_analysed: int
    wall_time_s: float
    step_time_s: float
    proto: gateway_pb2.GetReportResponse = field(repr=False, compare=False)

    @staticmethod
    def of(r: gateway_pb2.GetReportResponse) -> "Report":
        return Report(
            r.experiment_id, r.name, _state(r.state), r.message, r.workload, r.run_id, to_dict(r.run),
            {s.name: Series(s.name, list(s.steps), list(s.values)) for s in r.series},
            [Milestone(m.name, m.display_name, m.series, m.threshold, m.step if m.reached else None)
             for m in r.milestones],
            {t.series: Transition(t.series, t.step if t.detected else None, t.size, t.confidence, t.lead_steps)
             for t in r.transitions},
            r.reference_series,
            {d.id: SeriesInfo(d.id, d.display_name, d.unit, d.group, d.headline, d.description) for d in r.catalogue},
            r.checkpoints_written, r.checkpoints_analysed, r.wall_time.ToTimedelta().total_seconds(),
            r.step_time.ToTimedelta().total_seconds(), r)


@dataclass(frozen=True)
class LlcProgress:
    chain: int
    draw: int
    loss: float


@dataclass(frozen=True)
class LlcChain:
    llc: float
    loss_trace: List[float]
    # Metropolis-adjusted acceptance, averaged over steps (healthy near 0.9).
    mala_acceptance: float
    share_below_initial: float


@dataclass(frozen=True)
class LlcEstimate:
    llc_mean: float
    llc_std: float
    initial_loss: float
    chains: List[LlcChain]
    # The settings after defaults were applied (in auto mode, the ones it chose).
    settings: Dict[str, Any]
    # Auto mode: why these settings, in words.
    calibration: str
    proto: metrics_pb2.LlcEstimate = field(repr=False, compare=False)

    @staticmethod
    def of(e: metrics_pb2.LlcEstimate) -> "LlcEstimate":
        return LlcEstimate(e.llc_mean, e.llc_std, e.initial_loss,
                           [LlcChain(c.llc, list(c.loss_trace), c.mala_acceptance, c.share_below_initial)
                            for c in e.chains],
                           to_dict(e.settings), e.calibration, e)


@dataclass(frozen=True)
class Persistence:
    # (birth, death) pairs by homology dimension; death is inf for an essential class.
    diagrams: Dict[int, List[Tuple[float, float]]]
    threshold: float
    compute_time_s: float
    algorithm: str
    # Why the engine chose that algorithm for this input.
    algorithm_reason: str
    proto: tda_pb2.ComputePersistenceResponse = field(repr=False, compare=False)

    @staticmethod
    def of(r: tda_pb2.ComputePersistenceResponse) -> "Persistence":
        return Persistence({d.dimension: [(p.birth, p.death) for p in d.pairs] for d in r.diagrams}, r.threshold,
                           r.compute_time.ToTimedelta().total_seconds(), r.algorithm, r.algorithm_reason, r)


class _CallDetails(collections.namedtuple("_CallDetails", ("method", "timeout", "metadata", "credentials",
                                                           "wait_for_ready", "compression")),
                   grpc.ClientCallDetails):
    pass


class _Bearer(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
              grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call on the channel, the raw stubs' included."""

    def __init__(self, token: str):
        self._header = ("authorization", f"Bearer {token}")

    def _details(self, d: grpc.ClientCallDetails) -> _CallDetails:
        return _CallDetails(d.method, d.timeout, (*(d.metadata or ()), self._header), d.credentials,
                            d.wait_for_ready, d.compression)

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)

    intercept_unary_stream = intercept_unary_unary
    intercept_stream_stream = intercept_stream_unary


class Client:
    """The gateway's ExperimentService, MetricsService and TdaService over one channel.

    Typed methods raise EmergenceError (with the gRPC code) and return plain data; `experiments`,
    `metrics` and `tda` are the generated stubs for anything else (they raise grpc.RpcError).
    Unary calls have `timeout` seconds each; streams (follow, estimate_llc, imports) run until
    they end unless given a timeout. A client is a context manager; close() closes the channel.
    """

    def __init__(self, target: str = "localhost:9100", token: Optional[str] = None, *,
                 credentials: Optional[grpc.ChannelCredentials] = None, timeout: Optional[float] = 600.0):
        options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                   ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)]
        self._raw = (grpc.secure_channel(target, credentials, options) if credentials is not None
                     else grpc.insecure_channel(target, options))
        self.target = target
        self.timeout = timeout
        channel = grpc.intercept_channel(self._raw, _Bearer(token)) if token else self._raw
        self.experiments = gateway_pb2_grpc.ExperimentServiceStub(channel)
        self.metrics = metrics_pb2_grpc.MetricsServiceStub(channel)
        self.tda = tda_pb2_grpc.TdaServiceStub(channel)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._raw.close()

    def wait_ready(self, seconds: float) -> None:
        """Waits until the channel connects; EmergenceError UNAVAILABLE if it does not within `seconds`."""
        try:
            grpc.channel_ready_future(self._raw).result(timeout=seconds)
        except grpc.FutureTimeoutError:
            raise EmergenceError(grpc.StatusCode.UNAVAILABLE,
                                 f"no connection to {self.target} within {seconds:g} s") from None

    def _timeout(self, timeout: Optional[float]) -> Optional[float]:
        return self.timeout if timeout is None else timeout

    # Experiments

    def start_experiment(self, config: MessageLike, plan: Optional[MessageLike] = None, name: str = "", *,
                         timeout: Optional[float] = None) -> Experiment:
        """Starts training a RunConfig (any workload) with an AnalysisPlan (default: the workload's)."""
        request = gateway_pb2.CreateExperimentRequest(run=parse(config, workload_pb2.RunConfig), name=name)
        if plan is not None:
            request.plan.CopyFrom(parse(plan, gateway_pb2.AnalysisPlan))
        with _rpc():
            return Experiment.of(self.experiments.CreateExperiment(request, timeout=self._timeout(timeout)))

    def import_checkpoints(self, folder: Union[str, os.PathLike], data: Union[str, os.PathLike], *,
                           task: Optional[str] = None, plan: Optional[MessageLike] = None,
                           name: Optional[str] = None, timeout: Optional[float] = None) -> Experiment:
        """Analyses checkpoints trained elsewhere: folder's TorchScript step-<N>.pt files and `data`, an npz
        with x_train, y_train (and optionally x_test, y_test). `task` is classification or regression
        (default: inferred from the labels). Returns once stored; follow() the experiment for its analysis."""
        folder, data = Path(folder), Path(data)
        files = sorted((f for f in folder.iterdir() if CHECKPOINT_FILE.fullmatch(f.name)
                        and f.is_file() and not f.is_symlink()),
                       key=lambda f: int(CHECKPOINT_FILE.fullmatch(f.name).group(1)))
        if not files:
            raise ValueError(f"{folder} holds no step-<N>.pt file")
        if not data.is_file():
            raise ValueError(f"{data} is not a file")
        uploads = [("data.npz", data)] + [(f.name, f) for f in files]
        source = folder.resolve().name
        header = trainer_pb2.ImportHeader(format=workload_pb2.IMPORT_FORMAT_TORCHSCRIPT,
                                          total_bytes=sum(f.stat().st_size for _, f in uploads),
                                          file_count=len(uploads), data_path="data.npz", source=source)
        if task is not None:
            header.task = workload_pb2.TaskKind.Value("TASK_KIND_" + task.upper())
        first = gateway_pb2.ImportExperimentHeader(files=header, name=name or f"import {source}")
        if plan is not None:
            first.plan.CopyFrom(parse(plan, gateway_pb2.AnalysisPlan))

        def requests() -> Iterator[gateway_pb2.ImportExperimentRequest]:
            yield gateway_pb2.ImportExperimentRequest(header=first)
            for path, file in uploads:
                yield from _chunks(path, file)

        with _rpc():
            return Experiment.of(self.experiments.ImportExperiment(requests(), timeout=timeout))

    def follow(self, experiment_id: str, *, timeout: Optional[float] = None) -> Iterator[Event]:
        """The experiment's events from its start (replayed), then live, ending with Finished."""
        stream = self.experiments.WatchExperiment(
            gateway_pb2.WatchExperimentRequest(experiment_id=experiment_id), timeout=timeout)
        try:
            with _rpc():
                for message in stream:
                    event = _event(message)
                    if event is not None:
                        yield event
        finally:
            stream.cancel()

    def report(self, experiment_id: str, *, timeout: Optional[float] = None) -> Report:
        with _rpc():
            return Report.of(self.experiments.GetReport(
                gateway_pb2.GetReportRequest(experiment_id=experiment_id), timeout=self._timeout(timeout)))

    def checkpoint_details(self, experiment_id: str, step: int, *,
                           timeout: Optional[float] = None) -> gateway_pb2.CheckpointDetails:
        """One analysed checkpoint's persistence diagrams, Fourier spectrum, attention patterns, LLC
        traces and phase probe, as the gateway stored them (truncated says whether they were cut)."""
        with _rpc():
            return self.experiments.GetCheckpointDetails(gateway_pb2.GetCheckpointDetailsRequest(
                experiment_id=experiment_id, step=step), timeout=self._timeout(timeout))

    def get_experiment(self, experiment_id: str, *, timeout: Optional[float] = None) -> Experiment:
        with _rpc():
            return Experiment.of(self.experiments.GetExperiment(
                gateway_pb2.GetExperimentRequest(experiment_id=experiment_id), timeout=self._timeout(timeout)))

    def stop_experiment(self, experiment_id: str, *, timeout: Optional[float] = None) -> Experiment:
        """Stops training; the experiment in the state it reached."""
        with _rpc():
            return Experiment.of(self.experiments.StopExperiment(
                gateway_pb2.StopExperimentRequest(experiment_id=experiment_id), timeout=self._timeout(timeout)))

    def list_experiments(self, *, page_size: int = 100, timeout: Optional[float] = None) -> Iterator[Experiment]:
        """Every experiment of the caller's tenant, oldest first, fetched a page at a time."""
        token = ""
        while True:
            with _rpc():
                page = self.experiments.ListExperiments(gateway_pb2.ListExperimentsRequest(
                    page_size=page_size, page_token=token), timeout=self._timeout(timeout))
            yield from (Experiment.of(e) for e in page.experiments)
            token = page.next_page_token
            if not token:
                return

    def delete_experiment(self, experiment_id: str, *, timeout: Optional[float] = None) -> None:
        """Stops the experiment if it runs and removes its results and its run's checkpoints."""
        with _rpc():
            self.experiments.DeleteExperiment(gateway_pb2.DeleteExperimentRequest(experiment_id=experiment_id),
                                              timeout=self._timeout(timeout))

    # Groups (sweeps)

    def start_group(self, config: MessageLike, *, seeds: Union[int, Sequence[int], None] = None,
                    path: Optional[str] = None, values: Sequence[Any] = (), plan: Optional[MessageLike] = None,
                    name: str = "", timeout: Optional[float] = None) -> gateway_pb2.Group:
        """One experiment per seed (a count, or a list of seeds), or per value of one RunConfig field
        named by its path (e.g. path="optimizer.weight_decay", values=[0.1, 1.0])."""
        if (seeds is None) == (path is None):
            raise ValueError("give seeds or a path (with values), not both")
        base = gateway_pb2.CreateExperimentRequest(run=parse(config, workload_pb2.RunConfig))
        if plan is not None:
            base.plan.CopyFrom(parse(plan, gateway_pb2.AnalysisPlan))
        sweep = gateway_pb2.GroupSweep()
        if path is not None:
            sweep.field.path = path
            sweep.field.values.extend(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
        elif isinstance(seeds, int):
            sweep.seeds.count = seeds
        else:
            sweep.seeds.seeds.extend(seeds)
        with _rpc():
            return self.experiments.CreateGroup(gateway_pb2.CreateGroupRequest(base=base, sweep=sweep, name=name),
                                                timeout=self._timeout(timeout))

    def group_report(self, group_id: str, *, timeout: Optional[float] = None) -> gateway_pb2.GetGroupReportResponse:
        """Every series as mean, std, min and max across the members, and the members' transitions."""
        with _rpc():
            return self.experiments.GetGroupReport(gateway_pb2.GetGroupReportRequest(group_id=group_id),
                                                   timeout=self._timeout(timeout))

    def delete_group(self, group_id: str, *, timeout: Optional[float] = None) -> None:
        """Deletes the group and every member experiment."""
        with _rpc():
            self.experiments.DeleteGroup(gateway_pb2.DeleteGroupRequest(group_id=group_id),
                                         timeout=self._timeout(timeout))

    # Measurements

    def estimate_llc(self, source: metrics_pb2.CheckpointSource, settings: Optional[MessageLike] = None, *,
                     on_progress: Optional[Callable[[LlcProgress], None]] = None,
                     timeout: Optional[float] = None) -> LlcEstimate:
        """The local learning coefficient of a checkpoint (see checkpoint() and inline_checkpoint()) by
        localised SGLD with LlcSettings (e.g. {"auto": True}); on_progress sees every draw."""
        request = metrics_pb2.EstimateLlcRequest(source=source)
        if settings is not None:
            request.settings.CopyFrom(parse(settings, metrics_pb2.LlcSettings))
        with _rpc():
            for event in self.metrics.EstimateLlc(request, timeout=timeout):
                if event.HasField("estimate"):
                    return LlcEstimate.of(event.estimate)
                if on_progress is not None:
                    p = event.progress
                    on_progress(LlcProgress(p.chain, p.draw, p.loss))
        raise EmergenceError(grpc.StatusCode.INTERNAL, "EstimateLlc ended without an estimate")

    def compute_persistence(self, points: Any, *, max_dimension: int = 1, threshold: Optional[float] = None,
                            metric: str = "euclidean", timeout: Optional[float] = None,
                            **options: Any) -> Persistence:
        """Vietoris-Rips persistence of a point cloud (rows are points; an array or nested lists).
        `options` are further ComputePersistenceRequest fields (modulus, edge_collapse, cocycles, ...)."""
        cloud = np.asarray(points)
        if cloud.dtype != np.float32:
            cloud = cloud.astype(np.float64)
        request = tda_pb2.ComputePersistenceRequest(
            point_cloud=tensor("points", cloud), max_dimension=max_dimension,
            metric=tda_pb2.DistanceMetric.Value("DISTANCE_METRIC_" + metric.upper()), **options)
        if threshold is not None:
            request.threshold = threshold
        with _rpc():
            return Persistence.of(self.tda.ComputePersistence(request, timeout=self._timeout(timeout)))


def _chunks(path: str, file: Path) -> Iterator[gateway_pb2.ImportExperimentRequest]:
    """A file's chunks in order; an empty file is still one chunk, marked last, so the import sees it."""
    size = file.stat().st_size
    with open(file, "rb") as stream:
        offset = 0
        while True:
            data = stream.read(min(CHUNK_BYTES, size - offset))
            last = offset + len(data) >= size
            if not last and not data:
                raise ValueError(f"{file} shrank while it was being sent")
            yield gateway_pb2.ImportExperimentRequest(chunk=trainer_pb2.ImportFileChunk(
                path=path, offset=offset, data=data, last=last))
            offset += len(data)
            if last:
                return
