"""The reference side of the Avro cross-checks, run with Debian's python3-avro.

usage: avro_reference.py encode SCHEMA.avsc < records.jsonl > hex lines
       avro_reference.py decode SCHEMA.avsc < hex lines > records.jsonl

Records are JSON objects; timestamp-millis fields travel as integer milliseconds, doubles as JSON numbers
(repr-exact), non-finite doubles as the strings "NaN", "Infinity", "-Infinity".
"""
import datetime
import io
import json
import math
import sys

import avro.io
import avro.schema

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def to_json(value):
    if isinstance(value, datetime.datetime):
        delta = value - EPOCH
        return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def from_json(schema, value):
    """Turns integer millis into datetimes where the schema says timestamp-millis."""
    if isinstance(schema, avro.schema.RecordSchema):
        return {f.name: from_json(f.type, value[f.name]) for f in schema.fields if f.name in value}
    if isinstance(schema, avro.schema.UnionSchema):
        if value is None:
            return None
        for branch in schema.schemas:
            if branch.type != "null":
                return from_json(branch, value)
    if getattr(schema, "logical_type", None) == "timestamp-millis" and isinstance(value, int):
        return EPOCH + datetime.timedelta(milliseconds=value)
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity") and schema.type in ("float", "double"):
        return float(value)
    return value


def main():
    mode, schema_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = avro.schema.parse(f.read())
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        if mode == "encode":
            buffer = io.BytesIO()
            avro.io.DatumWriter(schema).write(from_json(schema, json.loads(line)), avro.io.BinaryEncoder(buffer))
            print(buffer.getvalue().hex())
        elif mode == "decode":
            datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(bytes.fromhex(line))))
            print(json.dumps(to_json(datum), ensure_ascii=False))
        else:
            sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
