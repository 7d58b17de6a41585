"""Attaches a safetensors file's tensors to an ONNX graph exported without its weights, as ONNX external data.

torch.onnx.export(..., export_params=False) writes a graph whose weights are extra graph inputs named as the model's
parameters. This module rewrites the ModelProto without the `onnx` package (not installed here): it drops those
inputs from the graph and adds one initializer per weight (TensorProto: name, dims, FLOAT, data_location EXTERNAL,
external_data location/offset/length) pointing at the tensor's bytes in the safetensors file, which ONNX Runtime then
reads (or maps) itself. Only the protobuf wire format is needed: varint tags, length-delimited fields.

Field numbers (onnx.proto3): ModelProto.graph = 7; GraphProto.initializer = 5, .input = 11; ValueInfoProto.name = 1;
TensorProto.dims = 1, .data_type = 2 (FLOAT = 1), .name = 8, .external_data = 13 (key = 1, value = 2),
.data_location = 14 (EXTERNAL = 1).
"""
import json
import os
import struct

MODEL_GRAPH, GRAPH_INITIALIZER, GRAPH_INPUT, VALUE_INFO_NAME = 7, 5, 11, 1
TENSOR_DIMS, TENSOR_TYPE, TENSOR_NAME, TENSOR_EXTERNAL, TENSOR_LOCATION = 1, 2, 8, 13, 14
FLOAT, EXTERNAL = 1, 1


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data, i):
    value, shift = 0, 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def fields(data):
    """The top-level fields of a protobuf message as (number, wire type, value bytes or int, raw encoding)."""
    out, i = [], 0
    while i < len(data):
        start = i
        tag, i = _read_varint(data, i)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = _read_varint(data, i)
        elif wire == 2:
            length, i = _read_varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        else:
            raise ValueError(f"unsupported protobuf wire type {wire} at byte {start}")
        out.append((number, wire, value, data[start:i]))
    return out


def _bytes_field(number, payload):
    return _varint((number << 3) | 2) + _varint(len(payload)) + payload


def _int_field(number, value):
    return _varint(number << 3) + _varint(value)


def _tensor_proto(name, shape, location, offset, length):
    entry = lambda key, value: _bytes_field(TENSOR_EXTERNAL, _bytes_field(1, key.encode()) + _bytes_field(2, value.encode()))  # noqa: E731
    return (b"".join(_int_field(TENSOR_DIMS, d) for d in shape) + _int_field(TENSOR_TYPE, FLOAT)
            + _bytes_field(TENSOR_NAME, name.encode()) + entry("location", location) + entry("offset", str(offset))
            + entry("length", str(length)) + _int_field(TENSOR_LOCATION, EXTERNAL))


def safetensors_entries(path):
    """name -> (dtype, shape, absolute byte offset, byte length) of a safetensors file."""
    with open(path, "rb") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(length))
    header.pop("__metadata__", None)
    return {name: (entry["dtype"], entry["shape"], 8 + length + entry["data_offsets"][0],
                   entry["data_offsets"][1] - entry["data_offsets"][0]) for name, entry in header.items()}


def attach_external_weights(graph_file, weights_file, keep_inputs):
    """Rewrites `graph_file` in place: every graph input not in `keep_inputs` becomes an initializer read from
    `weights_file` (which must sit in the graph's folder). An input is matched to a tensor by its name, or by its name
    without the first dotted part (a wrapper module's attribute, such as `vae.`). Returns the number attached."""
    entries = safetensors_entries(weights_file)
    location = os.path.relpath(weights_file, os.path.dirname(os.path.abspath(graph_file)))
    with open(graph_file, "rb") as f:
        model = f.read()
    model_fields = fields(model)
    graphs = [value for number, wire, value, _ in model_fields if number == MODEL_GRAPH]
    if len(graphs) != 1:
        raise ValueError(f"{graph_file}: expected one graph, found {len(graphs)}")
    kept, initializers, missing = [], [], []
    for number, wire, value, raw in fields(graphs[0]):
        if number == GRAPH_INPUT:
            name = next(v for n, _, v, _ in fields(value) if n == VALUE_INFO_NAME).decode()
            if name not in keep_inputs:
                key = name if name in entries else name.split(".", 1)[-1]
                if key not in entries:
                    missing.append(name)
                    continue
                dtype, shape, offset, length = entries[key]
                if dtype != "F32":
                    raise ValueError(f"{weights_file}: tensor {key} is {dtype}; the exports need F32 weights")
                initializers.append(_bytes_field(GRAPH_INITIALIZER, _tensor_proto(name, shape, location, offset, length)))
                continue
        kept.append(raw)
    if missing:
        raise ValueError(f"{graph_file}: graph inputs with no tensor in {weights_file}: {missing[:10]}")
    graph = b"".join(kept) + b"".join(initializers)
    rebuilt = b"".join(_bytes_field(MODEL_GRAPH, graph) if number == MODEL_GRAPH else raw
                       for number, wire, value, raw in model_fields)
    with open(graph_file + ".partial", "wb") as f:
        f.write(rebuilt)
    os.replace(graph_file + ".partial", graph_file)
    return len(initializers)
