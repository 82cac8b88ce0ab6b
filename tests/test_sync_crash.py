"""`lanceflow sync` killed with SIGKILL at random instants, many times, with the source changed by
the official engine (lancedb) between some of the kills, then one uninterrupted run: the Delta
table equals that of uninterrupted runs into a separate destination, and holds no committed
duplicates.

Per flow (append, SCD1 cdc_with_deletes, SCD2 cdc, snapshot) the source has a few thousand rows
and a small max_records_per_batch, so a run makes many commits and most kills land between or
inside them. The reference destination gets one uninterrupted run after every source change.

Source changes keep the comparison well defined for the history-keeping flows: rows are updated
(new, higher cursor) or deleted only when the killed destination has already committed them (its
committed cursor is past theirs), so every row version the reference saw, the killed destination
saw too; new rows are appended freely; compaction (table.optimize) rewrites everything. The
random seed is in every assertion message; set LANCEFLOW_CRASH_SEED to replay one.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import random
import signal
import subprocess
import time

import lancedb
import pyarrow as pa
import pytest

from fixtures.sync_all_types import deltars_table
from lanceflow_cli import binary, run

deltalake = pytest.importorskip("deltalake")
from deltalake import DeltaTable  # noqa: E402

SCHEMA = pa.schema([
    pa.field("id", pa.int64(), nullable=False),
    pa.field("seq", pa.int64(), nullable=False),
    pa.field("name", pa.string()),
    pa.field("score", pa.float64()),
    pa.field("tags", pa.list_(pa.string())),
    pa.field("vec", pa.list_(pa.float32(), 4)),
    pa.field("ts", pa.timestamp("ns", tz="UTC")),
])

BATCH = "40"
FLOWS = {
    "append": {"scd_type": "APPEND_ONLY", "cursor_field": "seq", "max_records_per_batch": BATCH},
    "scd1_cdc_with_deletes": {"scd_type": "SCD_TYPE_1", "ingestion_type": "cdc_with_deletes",
                              "primary_keys": ["id"], "cursor_field": "seq",
                              "max_records_per_batch": BATCH},
    "scd2_cdc": {"scd_type": "SCD_TYPE_2", "ingestion_type": "cdc", "primary_keys": ["id"],
                 "cursor_field": "seq", "max_records_per_batch": BATCH},
    "snapshot": {"ingestion_type": "snapshot", "primary_keys": ["id"], "batch_size": BATCH},
}
INITIAL_ROWS = {"snapshot": 20000}  # snapshot: one commit of many files; others 3000 rows
KILLS = 25
FORCE_CHANGE_EVERY = 6  # also change the source while the killed destination is behind


def rows(ids, seq_start: int, rng: random.Random, tag: str) -> pa.Table:
    ids = list(ids)
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    return pa.Table.from_pylist([{
        "id": i,
        "seq": seq_start + n,
        "name": f"{tag} {i}",
        "score": round(rng.uniform(-1e6, 1e6), 3),
        "tags": rng.sample(["a", "b", "c", "d"], rng.randint(0, 3)),
        "vec": [rng.uniform(-1, 1) for _ in range(4)],
        "ts": t0 + dt.timedelta(microseconds=rng.randrange(10**12)),
    } for n, i in enumerate(ids)], SCHEMA)


def write_pipeline(path: str, db_dir: str, lake: str, flow: str) -> str:
    with open(path, "w") as f:
        json.dump({"pipeline_spec": {
            "connection": {"source": db_dir},
            "destination": {"type": "delta", "path": lake},
            "objects": [{"table": {"source_table": "src", "destination_table": flow,
                                   "table_configuration": FLOWS[flow]}}]}}, f)
    return path


def committed_cursor(table_path: str):
    """The killed destination's committed source cursor (None: nothing committed yet)."""
    if not os.path.isdir(os.path.join(table_path, "_delta_log")):
        return None
    try:
        conf = DeltaTable(table_path).metadata().configuration
    except Exception:  # a log left empty by a kill during creation
        return None
    offset = json.loads(conf.get("lanceflow.sourceOffset", "null") or "null")
    if not offset or "cursor" not in offset:
        return None
    return offset["cursor"]


def table_rows(table_path: str) -> list:
    out = []
    for r in deltars_table(table_path).to_pylist():
        out.append(tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in r.items()))
    return out


@pytest.mark.parametrize("flow", list(FLOWS))
def test_sync_killed_many_times_equals_uninterrupted_run(tmp_path, flow):
    seed = int(os.environ.get("LANCEFLOW_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    ctx = f"{flow}, seed {seed} (LANCEFLOW_CRASH_SEED={seed} replays)"

    db_dir = str(tmp_path / "db")
    db = lancedb.connect(db_dir)
    initial = INITIAL_ROWS.get(flow, 3000)
    tbl = db.create_table("src", rows(range(initial), 0, rng, "v0"))
    next_id, next_seq = initial, initial
    ref_lake, lake = str(tmp_path / "ref"), str(tmp_path / "killed")
    ref_pipeline = write_pipeline(str(tmp_path / "ref.json"), db_dir, ref_lake, flow)
    pipeline = write_pipeline(str(tmp_path / "killed.json"), db_dir, lake, flow)
    killed_table = os.path.join(lake, flow)

    def ref_sync() -> float:
        t = time.monotonic()
        r = run(["sync", ref_pipeline, "--progress", "never"], timeout=300)
        assert r.returncode == 0, f"{ctx}: reference run failed: {r.stderr}"
        return time.monotonic() - t

    def change(k: int):
        """One engine change, touching only rows the killed destination has committed."""
        nonlocal next_id, next_seq
        cursor = committed_cursor(killed_table) if flow != "snapshot" else next_seq
        current = tbl.to_arrow().select(["id", "seq"]).to_pylist()
        done = [r["id"] for r in current if cursor is not None and r["seq"] < cursor]
        rng.shuffle(done)
        n_new = rng.randint(200, 800)
        tbl.add(rows(range(next_id, next_id + n_new), next_seq, rng, f"new{k}"))
        next_id += n_new
        next_seq += n_new
        upd, dele = done[:rng.randint(0, 300)], done[300:300 + rng.randint(0, 100)]
        if upd:
            # New versions with cursors above every existing one.
            base = next_seq
            tbl.merge_insert("id").when_matched_update_all().execute(
                rows(upd, base, rng, f"upd{k}"))
            next_seq += len(upd)
        if dele:
            tbl.delete("id IN (" + ",".join(map(str, dele)) + ")")
        if k % 2 == 1:
            tbl.optimize()
        return n_new, len(upd), len(dele)

    # A killed run is stopped at a random instant within the expected length of its remaining
    # work: that of the last reference run when the killed destination had caught up, shrinking
    # as kills make progress. A run that ends by itself has caught up: the source changes next.
    estimate = ref_sync()
    hits, changes, caught_up = 0, [], False
    for k in range(KILLS):
        if caught_up or k % FORCE_CHANGE_EVERY == FORCE_CHANGE_EVERY - 1:
            changes.append(change(k))
            estimate = ref_sync()
        p = subprocess.Popen([binary(), "sync", pipeline, "--progress", "never"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t = time.monotonic()
        try:
            p.wait(timeout=rng.uniform(0, estimate * 1.1))
            caught_up = True
            estimate = max(time.monotonic() - t, 0.01)
        except subprocess.TimeoutExpired:
            hits += 1
            caught_up = False
            p.send_signal(signal.SIGKILL)
            p.wait()
    r = run(["sync", pipeline, "--progress", "never"], timeout=300)
    assert r.returncode == 0, f"{ctx}: final run failed: {r.stderr}"
    ctx += (f"; {hits}/{KILLS} kills hit a running process; source changes (new, updated, "
            f"deleted rows) {changes}")
    print(ctx)

    got, want = table_rows(killed_table), table_rows(os.path.join(ref_lake, flow))
    assert collections.Counter(got) == collections.Counter(want), \
        f"{ctx}: killed destination {len(got)} rows != reference {len(want)} rows"
    # No committed duplicates: one row per key (per key and version for the history flows).
    dicts = [dict(r) for r in got]
    if flow == "append":
        keys = [(d["id"], d["seq"]) for d in dicts]
        assert len(dicts) == next_seq, f"{ctx}: {len(dicts)} rows, {next_seq} row versions written"
    elif flow == "scd2_cdc":
        keys = [(d["id"], d["__START_AT"]) for d in dicts]
        open_keys = [d["id"] for d in dicts if d["__END_AT"] is None]
        assert len(open_keys) == len(set(open_keys)), f"{ctx}: a key with two open rows"
    else:
        keys = [d["id"] for d in dicts]
        source_ids = sorted(tbl.to_arrow().column("id").to_pylist())
        assert sorted(keys) == source_ids, f"{ctx}: keys differ from the source's"
    dup = [k for k, c in collections.Counter(keys).items() if c > 1]
    assert not dup, f"{ctx}: duplicated keys {dup[:10]}"
    assert hits >= KILLS // 2, f"{ctx}: too few kills landed during a run"
