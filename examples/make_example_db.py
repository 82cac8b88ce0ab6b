#!/usr/bin/env python3
"""Regenerates examples/lancedb, the small LanceDB database lanceflow's README runs on.

Written by the official LanceDB engine (the version pinned in tests/requirements.txt), so it is a
real embedded LanceDB database: one `<table>.lance/` folder per table, with a short history
(an append, an update and a delete) so time travel and incremental syncs have something to show.

    python3 examples/make_example_db.py [--out examples/lancedb]
"""
import argparse
import datetime as dt
import math
import random
import shutil
from pathlib import Path

import lancedb
import pyarrow as pa

WORDS = ("lance columnar vector search embedding delta lake table fragment version "
         "manifest query filter snapshot append merge schema spark batch").split()


def documents(start, n, rng, version_time):
    rows = []
    for i in range(start, start + n):
        vec = [rng.uniform(-1, 1) for _ in range(16)]
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        rows.append({
            "id": i,
            "title": f"Document {i}",
            "text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))),
            "category": rng.choice(["guide", "reference", "blog", "faq"]),
            "score": round(rng.uniform(0, 100), 3),
            "tags": rng.sample(WORDS, rng.randint(0, 3)),
            "meta": {"author": rng.choice(["ana", "bo", "chen", "dev"]), "pages": rng.randint(1, 40)},
            "vector": [v / norm for v in vec],
            "updated_at": version_time + dt.timedelta(seconds=i),
        })
    return rows


SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False),
    pa.field("title", pa.string()),
    pa.field("text", pa.string()),
    pa.field("category", pa.string()),
    pa.field("score", pa.float64()),
    pa.field("tags", pa.list_(pa.string())),
    pa.field("meta", pa.struct([("author", pa.string()), ("pages", pa.int32())])),
    pa.field("vector", pa.list_(pa.float32(), 16)),
    pa.field("updated_at", pa.timestamp("us", tz="UTC")),
])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "lancedb"))
    args = ap.parse_args()
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    rng = random.Random(42)
    db = lancedb.connect(str(out))
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

    docs = db.create_table("documents", pa.Table.from_pylist(documents(1, 200, rng, t0), SCHEMA))
    docs.add(pa.Table.from_pylist(documents(201, 50, rng, t0 + dt.timedelta(days=1)), SCHEMA))
    docs.update(where="id <= 10", values={"category": "archived",
                                           "updated_at": t0 + dt.timedelta(days=2)})
    docs.delete("id % 50 = 0")

    products = pa.table({
        "sku": pa.array([f"SKU-{i:04d}" for i in range(1, 41)]),
        "name": pa.array([f"Product {i}" for i in range(1, 41)]),
        "price": pa.array([round(9.99 + i * 1.5, 2) for i in range(40)], pa.float64()),
        "in_stock": pa.array([i % 3 != 0 for i in range(40)]),
        "released": pa.array([dt.date(2025, 1, 1) + dt.timedelta(days=7 * i) for i in range(40)],
                             pa.date32()),
    })
    db.create_table("products", products)
    print(f"wrote {out}: " + ", ".join(f"{n} ({db.open_table(n).count_rows()} rows, "
                                        f"version {db.open_table(n).version})"
                                        for n in sorted(db.list_tables().tables)))


if __name__ == "__main__":
    main()
