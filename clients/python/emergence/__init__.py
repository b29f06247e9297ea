"""Emergence's Python client: experiments, checkpoint imports and measurements through the gateway.

    from emergence import Client
    with Client("localhost:9100", token="...") as client:
        experiment = client.start_experiment({"workload": {"modularAddition": {"modulus": 11}}, "steps": 200})
        for event in client.follow(experiment.experiment_id):
            print(event)
        report = client.report(experiment.experiment_id)

The generated stubs and messages are in emergence.v1 (e.g. emergence.v1.metrics_pb2); state_dict
pickles become safetensors with emergence.convert.
"""
from emergence.client import (Analysed, Client, EmergenceError, Event, Experiment, Finished, LlcChain, LlcEstimate,
                              LlcProgress, Milestone, Persistence, Progress, Report, Series, SeriesInfo, Transition,
                              checkpoint, inline_checkpoint, parse, tensor, to_dict)

__all__ = ["Analysed", "Client", "EmergenceError", "Event", "Experiment", "Finished", "LlcChain", "LlcEstimate",
           "LlcProgress", "Milestone", "Persistence", "Progress", "Report", "Series", "SeriesInfo", "Transition",
           "checkpoint", "inline_checkpoint", "parse", "tensor", "to_dict"]
