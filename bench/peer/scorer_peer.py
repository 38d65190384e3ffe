"""The reference projects' style of exactly-once scorer, for `make bench-scorer`: a plain confluent-kafka loop with XGBoost,
all from Debian's packages (run it with /usr/bin/python3, not another Python on PATH).

    /usr/bin/python3 bench/peer/scorer_peer.py --bootstrap HOST:PORT --input transactions --alerts fraud_alerts \
        --group peer --transactional-id peer-txn --registry /path/to/registry --batch 1000 --records 500000

What such a loop does, and no more: a transactional producer and a read_committed consumer in a group; consume up to
--batch records, decode them (Confluent wire format: magic byte, schema id, then Avro of schemas/transaction.avsc, read by
the small decoder below: Debian has no fastavro, and its pure-Python avro package is several times slower), compute the
transaction's own features as FraudStream does (peer_model.py; history features NaN, as the /predict peer), score the batch
with Booster.inplace_predict, produce a JSON alert per score at or above the model's threshold, then
send_offsets_to_transaction and commit_transaction. No history, no dead letters, no rebalance handling beyond the client's.

It stops once it has committed --records records and prints one JSON line on stdout: records, alerts, batches, and the
seconds from its first commit to its last (its own rate; the benchmark measures the rate from committed offsets).
"""

import argparse
import datetime as dt
import json
import math
import resource
import struct
import sys
import time
import types

import numpy as np
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from peer_model import all_features, iteration_range, load_production, model_columns, threshold_of

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
CHANNELS = ["POS", "ECOMMERCE", "ATM", "CONTACTLESS", "UNKNOWN"]
DOUBLE = struct.Struct("<d")


class AvroReader:
    """Avro binary encoding of the types transaction.avsc uses: zig-zag varints, strings, doubles, booleans, unions."""

    def __init__(self, data):
        self.data = data
        self.at = 5  # Confluent framing: magic byte 0, then the 4-byte schema id

    def long(self):
        data, at, shift, value = self.data, self.at, 0, 0
        while True:
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
        self.at = at
        return (value >> 1) ^ -(value & 1)

    def string(self):
        length = self.long()
        start = self.at
        self.at += length
        return self.data[start:self.at].decode("utf-8")

    def double(self):
        value = DOUBLE.unpack_from(self.data, self.at)[0]
        self.at += 8
        return value

    def boolean(self):
        self.at += 1
        return self.data[self.at - 1] != 0

    def optional(self, read):
        return None if self.long() == 0 else read()  # ["null", T]: branch 0 is null


def decode_transaction(value):
    """One Confluent-framed Avro transaction, fields in the schema's order."""
    if value[0] != 0:
        raise ValueError("not Confluent wire format (magic byte is not 0)")
    r = AvroReader(value)
    return types.SimpleNamespace(
        transaction_id=r.string(),
        card_id=r.string(),
        event_time=EPOCH + dt.timedelta(milliseconds=r.long()),
        amount=r.double(),
        currency=r.string(),
        merchant_id=r.string(),
        merchant_category=r.string(),
        channel=CHANNELS[r.long()],
        card_present=r.boolean(),
        terminal_id=r.optional(r.string),
        merchant_country=r.optional(r.string),
        merchant_latitude=r.optional(r.double),
        merchant_longitude=r.optional(r.double),
        cardholder_latitude=r.optional(r.double),
        cardholder_longitude=r.optional(r.double),
    )


def parse_args():
    p = argparse.ArgumentParser(description="Exactly-once XGBoost scorer loop (reference peer for the scorer benchmark).")
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--alerts", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--transactional-id", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--records", type=int, required=True, help="stop after committing this many records")
    p.add_argument("--threads", type=int, default=1, help="XGBoost prediction threads")
    return p.parse_args()


def produce(producer, topic, key, value):
    while True:
        try:
            producer.produce(topic, value=value, key=key)
            return
        except BufferError:
            producer.poll(0.01)  # local queue full: let deliveries drain


def run(args):
    version, booster, metadata = load_production(args.registry, args.threads)
    columns = model_columns(metadata)
    threshold = threshold_of(metadata)
    iterations = iteration_range(metadata)

    producer = Producer({"bootstrap.servers": args.bootstrap, "transactional.id": args.transactional_id, "linger.ms": 5})
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    producer.init_transactions()
    consumer.subscribe([args.input])

    records = alerts = batches = first_batch = 0
    first_commit = last_commit = None
    try:
        while records < args.records:
            messages = consumer.consume(num_messages=args.batch, timeout=1.0)
            if not messages:
                continue
            producer.begin_transaction()
            transactions, next_offsets = [], {}
            for m in messages:
                if m.error():
                    raise KafkaException(m.error())
                transactions.append(decode_transaction(m.value()))
                next_offsets[(m.topic(), m.partition())] = m.offset() + 1
            rows = np.empty((len(transactions), len(columns)), dtype=np.float32)
            for i, t in enumerate(transactions):
                features = all_features(t)
                rows[i] = [math.nan if c is None else features[c] for c in columns]
            scores = booster.inplace_predict(rows, iteration_range=iterations)
            for t, score in zip(transactions, scores):
                if score >= threshold:
                    alerts += 1
                    alert = {"transaction_id": t.transaction_id, "card_id": t.card_id, "score": float(score),
                             "threshold": threshold, "model_version": version}
                    produce(producer, args.alerts, t.card_id.encode(), json.dumps(alert).encode())
            positions = [TopicPartition(topic, partition, offset) for (topic, partition), offset in next_offsets.items()]
            producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata())
            producer.commit_transaction()
            records += len(messages)
            batches += 1
            last_commit = time.monotonic()
            first_commit = first_commit or last_commit
            first_batch = first_batch or len(messages)
    finally:
        consumer.close()
        producer.flush(10)

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"records": records, "alerts": alerts, "batches": batches, "first_batch_records": first_batch,
            "seconds_after_first_commit": (last_commit or 0) - (first_commit or 0), "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss_bytes": usage.ru_maxrss * 1024, "model_version": version}


if __name__ == "__main__":
    try:
        print(json.dumps(run(parse_args())), flush=True)
    except KafkaException as e:
        print(json.dumps({"error": f"Kafka said {e.args[0]}"}), flush=True)
        sys.exit(1)
