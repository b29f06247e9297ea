"""Reads an Emergence export back, independently of the Java writers that made it.

    /usr/bin/python3 read_export.py tensorboard|csv|json FILE

Prints {"series": {ID: {"steps": [...], "values": [...]}}} on stdout. An event file is read as
TensorFlow's TFRecord framing (uint64 little-endian length, masked CRC32C of it, data, masked
CRC32C of the data), every CRC checked by the pure-Python CRC32C below, and each record decoded
by google.protobuf against message types declared here with TensorBoard's own field numbers (not
generated from our .proto, so a wrong number there is caught). CSV is read by the csv module,
JSON by the json module. Anything malformed: the reason on stderr, exit status 1.
"""
import csv
import json
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def fail(reason):
    print(reason, file=sys.stderr)
    sys.exit(1)


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1  # Castagnoli, reflected
        table.append(crc)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(blob):
    offset = 0
    while offset < len(blob):
        if len(blob) - offset < 12:
            fail(f"record at {offset}: truncated header")
        header = blob[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", blob[offset + 8:offset + 12])
        if masked_crc(header) != length_crc:
            fail(f"record at {offset}: length CRC mismatch")
        start = offset + 12
        end = start + length
        if end + 4 > len(blob):
            fail(f"record at {offset}: truncated data")
        data = blob[start:end]
        (data_crc,) = struct.unpack("<I", blob[end:end + 4])
        if masked_crc(data) != data_crc:
            fail(f"record at {offset}: data CRC mismatch")
        yield data
        offset = end + 4


def event_class():
    """tensorflow/core/util/event.proto's Event and summary.proto's Summary, the fields scalars use."""
    f = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(name="reader/event.proto", package="reader", syntax="proto3")
    summary = file.message_type.add(name="Summary")
    value = summary.nested_type.add(name="Value")
    value.field.add(name="tag", number=1, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL)
    value.field.add(name="simple_value", number=2, type=f.TYPE_FLOAT, label=f.LABEL_OPTIONAL)
    summary.field.add(name="value", number=1, type=f.TYPE_MESSAGE, label=f.LABEL_REPEATED,
                      type_name=".reader.Summary.Value")
    event = file.message_type.add(name="Event")
    event.oneof_decl.add(name="what")
    event.field.add(name="wall_time", number=1, type=f.TYPE_DOUBLE, label=f.LABEL_OPTIONAL)
    event.field.add(name="step", number=2, type=f.TYPE_INT64, label=f.LABEL_OPTIONAL)
    event.field.add(name="file_version", number=3, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL, oneof_index=0)
    event.field.add(name="summary", number=5, type=f.TYPE_MESSAGE, label=f.LABEL_OPTIONAL,
                    type_name=".reader.Summary", oneof_index=0)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    descriptor = pool.FindMessageTypeByName("reader.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def read_tensorboard(path):
    Event = event_class()
    events = []
    with open(path, "rb") as file:
        for data in records(file.read()):
            event = Event()
            event.ParseFromString(data)
            known = Event()
            known.CopyFrom(event)
            known.DiscardUnknownFields()
            if known.SerializeToString() != data:
                fail(f"event {len(events)}: fields TensorBoard's Event does not have")
            events.append(event)
    if not events or events[0].WhichOneof("what") != "file_version" or events[0].file_version != "brain.Event:2":
        fail("the first event does not carry file_version brain.Event:2")
    series = {}
    for event in events[1:]:
        if event.WhichOneof("what") != "summary":
            fail(f"event at step {event.step} carries no summary")
        if event.wall_time != events[0].wall_time or event.wall_time <= 0:
            fail(f"event at step {event.step}: wall time {event.wall_time}, not the file's {events[0].wall_time}")
        for value in event.summary.value:
            points = series.setdefault(value.tag, {"steps": [], "values": []})
            points["steps"].append(event.step)
            points["values"].append(value.simple_value)
    return series


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    if not rows or rows[0][0] != "step":
        fail("the header does not start with step")
    header = rows[0]
    series = {id: {"steps": [], "values": []} for id in header[1:]}
    for row in rows[1:]:
        if len(row) != len(header):
            fail(f"row {row[0]} has {len(row)} cells, the header {len(header)}")
        step = int(row[0])
        for id, cell in zip(header[1:], row[1:]):
            if cell != "":
                series[id]["steps"].append(step)
                series[id]["values"].append(float(cell))
    return series


def read_json(path):
    with open(path, encoding="utf-8") as file:
        document = json.load(file)
    series = {}
    for entry in document["series"]:
        if not all(isinstance(step, int) for step in entry["steps"]):
            fail(f"{entry['id']}: steps are not integers")
        series[entry["id"]] = {"steps": entry["steps"], "values": entry["values"]}
    return series


if __name__ == "__main__":
    readers = {"tensorboard": read_tensorboard, "csv": read_csv, "json": read_json}
    if len(sys.argv) != 3 or sys.argv[1] not in readers:
        fail("usage: read_export.py tensorboard|csv|json FILE")
    print(json.dumps({"series": readers[sys.argv[1]](sys.argv[2])}))
