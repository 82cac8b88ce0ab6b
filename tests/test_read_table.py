"""End-to-end incremental reads (`lanceflow read-table`) while the official engine writes.

A writer thread commits with lancedb==0.39.0 (appends, updates with newer cursors, runs of equal
cursors larger than max_records_per_batch) while the reader repeatedly runs
`read-table --all` from the stored offset; every run must end (init-time cap) although writes
continue. After the writer stops, one more run from the stored offset must leave:
  append: every row written, exactly once;
  cdc:    the latest version of every key (upserts applied in the order read).
Both for the local source and the Cloud test server over the same database.
"""
from __future__ import annotations

import datetime
import json
import os
import threading
import time

import lancedb
import pyarrow as pa
import pytest

from lanceflow_cli import run

UTC = datetime.timezone.utc
BASE = datetime.datetime(2024, 5, 1, tzinfo=UTC)

EVENTS = pa.schema([pa.field("id", pa.int64(), False),
                    pa.field("ts", pa.timestamp("us", tz="UTC")),
                    pa.field("payload", pa.string())])
USERS = pa.schema([pa.field("id", pa.int64(), False),
                   pa.field("updated_at", pa.timestamp("us", tz="UTC")),
                   pa.field("name", pa.string())])

APPEND_OPTS = {"ingestion_type": "append", "cursor_field": "ts", "max_records_per_batch": "25",
               "batch_size": "10"}
CDC_OPTS = {"ingestion_type": "cdc", "cursor_field": "updated_at", "primary_keys": "[\"id\"]",
            "max_records_per_batch": "25", "batch_size": "10"}


def events_rows(ids, ts):
    return pa.Table.from_pylist([{"id": i, "ts": ts, "payload": f"p{i}"} for i in ids],
                                schema=EVENTS)


class Writer(threading.Thread):
    """Commits `commits` times; cursors strictly increase from commit to commit (the contract's
    assumption for incremental reads), and some commits put a big run on one cursor value."""

    def __init__(self, db_dir, commits=12):
        super().__init__(daemon=True)
        self.db = lancedb.connect(db_dir)
        self.commits = commits
        self.next_id = 0
        self.tick = 0
        self.error = None

    def ts(self):
        self.tick += 1
        return BASE + datetime.timedelta(seconds=self.tick, microseconds=self.tick)

    def setup(self):
        self.db.create_table("events", events_rows(range(0, 30), self.ts()), mode="overwrite")
        self.next_id = 30
        users = [{"id": i, "updated_at": self.ts() if i % 10 == 0 else BASE, "name": "v0"}
                 for i in range(60)]
        self.db.create_table("users", pa.Table.from_pylist(users, schema=USERS), mode="overwrite")

    def step(self, k):
        events = self.db.open_table("events")
        users = self.db.open_table("users")
        if k % 3 == 0:
            # A run of 80 equal cursors (> max_records_per_batch).
            n = 80
            events.add(events_rows(range(self.next_id, self.next_id + n), self.ts()))
        else:
            n = 7
            rows = [{"id": i, "ts": self.ts(), "payload": f"p{i}"}
                    for i in range(self.next_id, self.next_id + n)]
            events.add(pa.Table.from_pylist(rows, schema=EVENTS))
        self.next_id += n
        t = self.ts().strftime("%Y-%m-%d %H:%M:%S.%f")
        if k % 4 == 0:
            # Many keys updated to one newer cursor: an equal-cursor run for cdc.
            users.update(where=f"id % 2 = {k % 2}", values={"updated_at": self.ts(), "name": f"v{k}"})
        else:
            users.update(where=f"id % 7 = {k % 7}",
                         values={"updated_at": self.ts(), "name": f"w{k}"})
        if k == 5:
            users.add(pa.Table.from_pylist(
                [{"id": 100 + i, "updated_at": self.ts(), "name": "new"} for i in range(30)],
                schema=USERS))
        del t

    def run(self):
        try:
            for k in range(self.commits):
                self.step(k)
                time.sleep(0.05)
        except Exception as e:  # reported by the test
            self.error = e


def read_all(source_args, table, opts, offset, env=None, tmp_path=None):
    off_file = os.path.join(tmp_path, f"{table}.offset")
    r = run(["read-table", *source_args, "--table", table, "--options", json.dumps(opts),
             "--offset", offset, "--offset-out", off_file, "--all"], env=env, timeout=120,
            check=True)
    with open(off_file) as f:
        end = f.read().strip()
    return r.rows(), end


@pytest.fixture(params=["local", "cloud"])
def target(request, tmp_path, cloud_server_factory):
    db_dir = str(tmp_path / "db")
    os.makedirs(db_dir)
    writer = Writer(db_dir)
    writer.setup()
    if request.param == "local":
        return writer, ["--source", db_dir], None
    server = cloud_server_factory(db_dir=db_dir)
    return writer, ["--source", server.source, "--host-override", server.url], server.env()


def test_concurrent_append_and_cdc_converge_exactly(target, tmp_path):
    writer, source_args, env = target
    offsets = {"events": "{}", "users": "{}"}
    got_events = []
    users_state = {}
    runs = 0

    def one_round():
        nonlocal runs
        rows, offsets["events"] = read_all(source_args, "events", APPEND_OPTS, offsets["events"],
                                           env, str(tmp_path))
        got_events.extend(rows)
        rows, offsets["users"] = read_all(source_args, "users", CDC_OPTS, offsets["users"], env,
                                          str(tmp_path))
        prev = None
        for r in rows:  # ascending (cursor, key)
            key = (r["updated_at"], r["id"])
            assert prev is None or prev < key
            prev = key
            users_state[r["id"]] = r
        runs += 1

    writer.start()
    while writer.is_alive():
        one_round()  # each run ends although the writer keeps committing
    writer.join()
    assert writer.error is None, writer.error
    one_round()
    # Nothing new: a further run returns no rows and the same offsets.
    before = dict(offsets)
    n_events, n_users = len(got_events), len(users_state)
    one_round()
    assert offsets == before
    assert len(got_events) == n_events

    ids = [r["id"] for r in got_events]
    assert len(ids) == len(set(ids)), "an appended row came twice"
    assert sorted(ids) == list(range(writer.next_id)), "appended rows missing"
    ts = [r["ts"] for r in got_events]
    assert ts == sorted(ts)

    truth = writer.db.open_table("users").to_arrow().to_pylist()
    assert len(users_state) == len(truth) == n_users
    for row in truth:
        mine = users_state[row["id"]]
        assert mine["name"] == row["name"], row["id"]
        want_ts = row["updated_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert mine["updated_at"] == want_ts, row["id"]
    assert runs >= 3


def test_read_table_cli_errors_and_snapshot(tmp_path):
    db_dir = str(tmp_path / "db")
    db = lancedb.connect(db_dir)
    db.create_table("events", events_rows(range(5), BASE), mode="overwrite")
    src = ["--source", db_dir]
    r = run(["read-table", *src, "--table", "events", "--options", '{"primary_keys":"id"}'])
    assert r.returncode == 0, r.stderr
    assert sorted(x["id"] for x in r.rows()) == list(range(5))
    assert json.loads(r.stderr.strip().splitlines()[-1]) == {"version": 1}
    for opts, needle in [('{"batch_size":"0"}', "option batch_size"),
                         ('[1]', "--options must be a JSON object"),
                         ('{"ingestion_type":"append"}', "needs option cursor_field")]:
        r = run(["read-table", *src, "--table", "events", "--options", opts])
        assert r.returncode == 1
        assert r.stderr.startswith("lanceflow: error: ") and needle in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    r = run(["read-table", *src, "--table", "events", "--options", json.dumps(APPEND_OPTS),
             "--offset", '{"cursor_field":"ts","cursor":"yesterday"}'])
    assert r.returncode == 1 and "offset cursor" in r.stderr, r.stderr
    r = run(["read-table", *src, "--table", "nope"])
    assert r.returncode == 1


DELETES_OPTS = {"ingestion_type": "cdc_with_deletes", "cursor_field": "updated_at",
                "primary_keys": "[\"id\"]", "max_records_per_batch": "25", "batch_size": "10"}


class DeletingWriter(Writer):
    """Writes the users table with deletes: plain deletes, a compaction, merge_insert with
    deletes of unmatched rows, keys deleted and inserted again, and keys inserted then deleted
    between two reads."""

    def step(self, k):
        users = self.db.open_table("users")
        if k % 4 == 0:
            users.delete(f"id % 9 = {k % 9}")
        elif k % 4 == 1:
            users.update(where=f"id % 5 = {k % 5}", values={"updated_at": self.ts(), "name": f"u{k}"})
        elif k % 4 == 2:
            # Re-insert some deleted keys, add new ones, delete a few unmatched keys.
            ts = self.ts()
            base = 1000 + 10 * k
            src = pa.Table.from_pylist(
                [{"id": i, "updated_at": ts, "name": f"m{k}"}
                 for i in [k % 9, k % 9 + 9] + list(range(base, base + 5))], schema=USERS)
            (users.merge_insert("id").when_matched_update_all().when_not_matched_insert_all()
             .when_not_matched_by_source_delete(f"id >= 1000 AND id < {base} AND id % 3 = 0")
             .execute(src))
        else:
            users.optimize(cleanup_older_than=datetime.timedelta(days=3650))
        if k == 6:
            users.add(pa.Table.from_pylist(
                [{"id": 500 + i, "updated_at": self.ts(), "name": "short"} for i in range(5)],
                schema=USERS))
            users.delete("id >= 500 AND id < 503")


def test_concurrent_deletes_and_upserts_reproduce_the_key_set(tmp_path):
    db_dir = str(tmp_path / "db")
    os.makedirs(db_dir)
    writer = DeletingWriter(db_dir, commits=16)
    writer.setup()
    src = ["--source", db_dir]
    offsets = {"upserts": "{}", "deletes": "{}"}
    state = {}
    counts = {"rounds": 0, "deletes": 0}

    def one_round():
        # Deletes first: a key re-inserted after this run's version comes back with the upserts.
        off = os.path.join(str(tmp_path), "deletes.offset")
        r = run(["read-table", *src, "--table", "users", "--options", json.dumps(DELETES_OPTS),
                 "--offset", offsets["deletes"], "--offset-out", off, "--all", "--deletes"],
                timeout=120, check=True)
        with open(off) as f:
            offsets["deletes"] = f.read().strip()
        for d in r.rows():
            assert set(d) == {"id", "updated_at"}, d
            state.pop(d["id"], None)
            counts["deletes"] += 1
        rows, offsets["upserts"] = read_all(src, "users", DELETES_OPTS, offsets["upserts"],
                                            None, str(tmp_path))
        for u in rows:
            state[u["id"]] = u
        counts["rounds"] += 1

    writer.start()
    while writer.is_alive():
        one_round()
    writer.join()
    assert writer.error is None, writer.error
    one_round()
    before = dict(offsets)
    one_round()
    assert offsets == before
    truth = writer.db.open_table("users").to_arrow().to_pylist()
    assert sorted(state) == sorted(r["id"] for r in truth)
    for row in truth:
        assert state[row["id"]]["name"] == row["name"], row["id"]
    assert counts["rounds"] >= 3 and counts["deletes"] >= 10, counts


def test_deletes_cli_first_read_and_cloud_refusal(tmp_path, cloud_server_factory):
    db_dir = str(tmp_path / "db")
    db = lancedb.connect(db_dir)
    users = pa.Table.from_pylist([{"id": i, "updated_at": BASE, "name": "a"} for i in range(6)],
                                 schema=USERS)
    t = db.create_table("users", users)
    args = ["read-table", "--table", "users", "--options", json.dumps(DELETES_OPTS), "--deletes"]
    r = run([*args, "--source", db_dir], check=True)
    assert r.rows() == []
    assert json.loads(r.stderr.strip().splitlines()[-1]) == {"version": 1}
    t.delete("id < 2")
    r = run([*args, "--source", db_dir, "--offset", '{"version":1}'], check=True)
    assert sorted(x["id"] for x in r.rows()) == [0, 1]
    assert json.loads(r.stderr.strip().splitlines()[-1]) == {"version": 2}
    # {} means from the start: the same deletes.
    r = run([*args, "--source", db_dir], check=True)
    assert sorted(x["id"] for x in r.rows()) == [0, 1]
    assert json.loads(r.stderr.strip().splitlines()[-1]) == {"version": 2}
    # A cdc table has no deletes flow.
    r = run(["read-table", "--table", "users", "--source", db_dir, "--deletes", "--options",
             json.dumps({**DELETES_OPTS, "ingestion_type": "cdc"})])
    assert r.returncode == 1 and "needs ingestion_type cdc_with_deletes" in r.stderr, r.stderr
    # LanceDB Cloud exposes no row addresses or deletion files.
    server = cloud_server_factory(db_dir=db_dir)
    r = run([*args, "--source", server.source, "--host-override", server.url], env=server.env())
    assert r.returncode == 1 and "cdc_with_deletes is not supported by this source" in r.stderr, \
        r.stderr
