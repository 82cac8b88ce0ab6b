#!/usr/bin/env python3
"""A LanceDB Cloud REST server for tests, backed by a local database and the official engine.

It speaks the dialect the official client 0.39.0 uses (see
shared/reference/lancedb-rest-api.md): `/v1/table/...` paths with or without the trailing
slash, JSON request bodies, Arrow IPC query answers, bare-integer row counts and
`{"code": N, "error": "..."}` error bodies. Reads are pinned to the version named in the body.

Listing also answers the namespaced form GET /v1/namespace/$/table/list (root namespace only),
which the 0.39 client uses for list_tables().

Test control (no API key needed, never logged):
  GET  /_admin/health            {"ok": true}
  POST /_admin/faults            {"rules": [...], "append": false}  install fault rules
  GET  /_admin/faults            the rules with their remaining counts
  POST /_admin/config            merge response options (see ServerConfig)
  GET  /_admin/config            the current options
  GET  /_admin/log[?since=N]     the recorded requests with seq >= N
  POST /_admin/reset             drop rules and log, restore the startup options

A fault rule matches on `path_regex` (re.search on the path without the query string) and
optionally `method`; it lets `skip` matching requests through, then fires `times` times (-1:
forever). Kinds (`kind`, or inferred from the keys present):
  status     answer `status` (429/500/502/503/504 ...) with an optional `retry_after` header and
             `body` (default: a JSON error body)
  delay      sleep `delay_ms` before the answer, then answer normally (`delay_ms` also works as
             an extra on every other kind)
  truncate   send the headers of the real answer (full Content-Length, or chunked), then only
             `bytes` (or `fraction`, default 0.5) of the body, and close the connection; a
             chunked stream without `bytes` is cut halfway through its first record batch
  slow_body  send the real body in `chunk_bytes` pieces (default 64) every `interval_ms` (50)
  malformed  answer 200 with a complete but invalid body: `body` if given, else a per-endpoint
             default (non-IPC bytes under an Arrow content type for queries, cut JSON for
             describe, a JSON object for count_rows ...); `content_type` overrides the header
  reset      read the request, then reset the TCP connection without answering

Usage: server.py --db DIR [--port 0] [--port-file F] [--api-key KEY] [--ipc-format file|stream]
                 [--ipc-compression lz4|zstd] [--gzip] [--batch-rows N] [--verbose]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gzip
import http.server
import io
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pyarrow as pa
import pyarrow.ipc

ARROW_FILE = "application/vnd.apache.arrow.file"
ARROW_STREAM = "application/vnd.apache.arrow.stream"
JSON_TYPE = "application/json"

# The engine's Python binding takes the limit as a 32-bit count; larger k (the client sends
# 2^63-1 for "no limit") means "all rows".
_ENGINE_MAX_LIMIT = 2**31 - 1
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.\-$]+$")


class HttpError(Exception):
    """An error answered as {"code": status, "error": message}."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# ----------------------------------------------------------------------------------------------
# Arrow schema -> Lance JSON (reference section 4.2)


def _time_unit(unit: str) -> str:
    if unit not in ("s", "ms", "us", "ns"):
        raise HttpError(500, f"unknown time unit {unit!r}")
    return unit


def _logical_type_name(dt: pa.DataType) -> str:
    """The Lance logical type string of a type that has no child fields."""
    simple = {
        pa.null(): "null", pa.bool_(): "bool",
        pa.int8(): "int8", pa.int16(): "int16", pa.int32(): "int32", pa.int64(): "int64",
        pa.uint8(): "uint8", pa.uint16(): "uint16", pa.uint32(): "uint32",
        pa.uint64(): "uint64", pa.float16(): "halffloat", pa.float32(): "float",
        pa.float64(): "double", pa.string(): "string", pa.large_string(): "large_string",
        pa.binary(): "binary", pa.large_binary(): "large_binary",
        pa.date32(): "date32:day", pa.date64(): "date64:ms",
        # Lance reads views back as their plain layouts.
        pa.string_view(): "string", pa.binary_view(): "binary",
    }
    if dt in simple:
        return simple[dt]
    if pa.types.is_time32(dt):
        return f"time32:{_time_unit(dt.unit)}"
    if pa.types.is_time64(dt):
        return f"time64:{_time_unit(dt.unit)}"
    if pa.types.is_timestamp(dt):
        # The grammar splits on ':', so a zone like "+02:00" cannot be represented.
        return f"timestamp:{_time_unit(dt.unit)}:{dt.tz if dt.tz else '-'}"
    if pa.types.is_duration(dt):
        return f"duration:{_time_unit(dt.unit)}"
    if pa.types.is_decimal128(dt):
        return f"decimal:128:{dt.precision}:{dt.scale}"
    if pa.types.is_decimal256(dt):
        return f"decimal:256:{dt.precision}:{dt.scale}"
    if pa.types.is_dictionary(dt):
        return (f"dict:{_logical_type_name(dt.value_type)}:"
                f"{_logical_type_name(dt.index_type)}:false")
    raise HttpError(500, f"type {dt} has no Lance JSON encoding")


def type_to_json(dt: pa.DataType) -> Dict[str, Any]:
    """JSON DataType {"type", "fields"?, "length"?} in the encoding the official client parses."""
    if pa.types.is_fixed_size_list(dt):
        return {"type": "fixed_size_list", "fields": [field_to_json(dt.value_field)],
                "length": dt.list_size}
    if pa.types.is_list(dt):
        return {"type": "list", "fields": [field_to_json(dt.value_field)]}
    if pa.types.is_large_list(dt):
        return {"type": "large_list", "fields": [field_to_json(dt.value_field)]}
    if pa.types.is_fixed_size_binary(dt) and not pa.types.is_decimal(dt):
        return {"type": "fixed_size_binary", "length": dt.byte_width}
    if pa.types.is_struct(dt):
        return {"type": "struct", "fields": [field_to_json(dt.field(i))
                                             for i in range(dt.num_fields)]}
    if pa.types.is_map(dt):
        # Not part of the encoding: the official client refuses it, which is the point of
        # answering it at all (a reader must report the column, not crash).
        return {"type": "map", "fields": [field_to_json(pa.field(
            "entries", pa.struct([dt.key_field, dt.item_field]), nullable=False))]}
    return {"type": _logical_type_name(dt)}


def _metadata_to_json(metadata: Optional[Dict[bytes, bytes]]) -> Optional[Dict[str, str]]:
    if not metadata:
        return None
    return {k.decode("utf-8", "replace"): v.decode("utf-8", "replace")
            for k, v in metadata.items()}


def field_to_json(field: pa.Field) -> Dict[str, Any]:
    out: Dict[str, Any] = {"name": field.name, "type": type_to_json(field.type),
                           "nullable": field.nullable}
    metadata = _metadata_to_json(field.metadata)
    if metadata is not None:
        out["metadata"] = metadata
    return out


def schema_to_json(schema: pa.Schema) -> Dict[str, Any]:
    return {"fields": [field_to_json(f) for f in schema],
            "metadata": _metadata_to_json(schema.metadata) or {}}


# ----------------------------------------------------------------------------------------------
# Runtime options, fault rules and the request log


@dataclasses.dataclass
class ServerConfig:
    """Response options; tests change them at runtime through POST /_admin/config."""
    ipc_format: str = "file"  # "file": IPC file + Content-Length; "stream": chunked IPC stream
    ipc_compression: Optional[str] = None  # None, "lz4" (LZ4_FRAME) or "zstd"
    gzip: bool = False  # Content-Encoding: gzip when the request accepts it
    batch_rows: Optional[int] = None  # rows per record batch (None: the engine's default)
    batch_delay_ms: int = 0  # stream mode: pause after each batch
    query_content_type: Optional[str] = None  # override ("" omits the header) for queries
    list_always_token: bool = False  # list pages always carry a page_token, even the last
    extra_headers: Dict[str, str] = dataclasses.field(default_factory=dict)

    def update(self, changes: Dict[str, Any]) -> None:
        fields = {f.name for f in dataclasses.fields(self)}
        for key, value in changes.items():
            if key not in fields:
                raise HttpError(400, f"config: unknown option {key!r}")
            setattr(self, key, value)
        self.validate()

    def validate(self) -> None:
        if self.ipc_format not in ("file", "stream"):
            raise HttpError(400, f"config: ipc_format must be 'file' or 'stream', "
                                 f"got {self.ipc_format!r}")
        if self.ipc_compression not in (None, "lz4", "zstd"):
            raise HttpError(400, f"config: ipc_compression must be null, 'lz4' or 'zstd', "
                                 f"got {self.ipc_compression!r}")
        if self.batch_rows is not None and (not isinstance(self.batch_rows, int)
                                            or self.batch_rows <= 0):
            raise HttpError(400, "config: batch_rows must be a positive integer or null")
        if not isinstance(self.batch_delay_ms, int) or self.batch_delay_ms < 0:
            raise HttpError(400, "config: batch_delay_ms must be a non-negative integer")
        if not isinstance(self.extra_headers, dict):
            raise HttpError(400, "config: extra_headers must be an object")
        for flag in ("gzip", "list_always_token"):
            if not isinstance(getattr(self, flag), bool):
                raise HttpError(400, f"config: {flag} must be a boolean")

    def to_json(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


_FAULT_KINDS = ("status", "delay", "truncate", "slow_body", "malformed", "reset")
_RULE_KEYS = {"kind", "path_regex", "method", "times", "skip", "status", "retry_after", "body",
              "delay_ms", "bytes", "fraction", "chunk_bytes", "interval_ms", "content_type"}


class FaultRule:
    """One parsed fault rule; `take()` decides under the injector's lock whether it fires."""

    def __init__(self, spec: Dict[str, Any]):
        if not isinstance(spec, dict):
            raise HttpError(400, "fault rule must be an object")
        unknown = set(spec) - _RULE_KEYS
        if unknown:
            raise HttpError(400, f"fault rule: unknown keys {sorted(unknown)}")
        self.spec = dict(spec)
        kind = spec.get("kind")
        if kind is None:
            for candidate, key in (("status", "status"), ("truncate", "bytes"),
                                   ("truncate", "fraction"), ("slow_body", "chunk_bytes"),
                                   ("slow_body", "interval_ms"), ("delay", "delay_ms")):
                if key in spec:
                    kind = candidate
                    break
        if kind not in _FAULT_KINDS:
            raise HttpError(400, f"fault rule: kind must be one of {list(_FAULT_KINDS)} "
                                 f"(or implied by its keys), got {kind!r}")
        self.kind: str = kind
        try:
            self.path_regex = re.compile(spec.get("path_regex", ""))
        except re.error as e:
            raise HttpError(400, f"fault rule: bad path_regex: {e}") from e
        self.method: Optional[str] = spec.get("method")
        self.remaining: int = _int_key(spec, "times", 1, minimum=-1)
        self.skip: int = _int_key(spec, "skip", 0, minimum=0)
        self.status: int = _int_key(spec, "status", 503, minimum=100)
        self.retry_after = spec.get("retry_after")
        self.body = spec.get("body")
        self.delay_ms: int = _int_key(spec, "delay_ms", 0, minimum=0)
        self.bytes: Optional[int] = spec.get("bytes")
        if self.bytes is not None:
            self.bytes = _int_key(spec, "bytes", 0, minimum=0)
        self.fraction = float(spec.get("fraction", 0.5))
        if not 0.0 <= self.fraction < 1.0:
            raise HttpError(400, "fault rule: fraction must be in [0, 1)")
        self.chunk_bytes: int = _int_key(spec, "chunk_bytes", 64, minimum=1)
        self.interval_ms: int = _int_key(spec, "interval_ms", 50, minimum=0)
        self.content_type: Optional[str] = spec.get("content_type")
        self.fired = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_regex.search(path) is not None

    def take(self) -> bool:
        if self.remaining == 0:
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        if self.remaining > 0:
            self.remaining -= 1
        self.fired += 1
        return True

    def to_json(self) -> Dict[str, Any]:
        return dict(self.spec, kind=self.kind, remaining=self.remaining, skip=self.skip,
                    fired=self.fired)


def _int_key(spec: Dict[str, Any], key: str, default: int, minimum: int) -> int:
    value = spec.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise HttpError(400, f"fault rule: {key} must be an integer >= {minimum}, got {value!r}")
    return value


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: List[FaultRule] = []

    def install(self, specs: Any, append: bool) -> int:
        if not isinstance(specs, list):
            raise HttpError(400, "faults: 'rules' must be a list")
        rules = [FaultRule(s) for s in specs]
        with self._lock:
            self._rules = (self._rules + rules) if append else rules
            return len(self._rules)

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def pick(self, method: str, path: str) -> Optional[FaultRule]:
        """The first matching rule that fires for this request (each request fires at most one)."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path) and rule.take():
                    return rule
            return None

    def to_json(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [r.to_json() for r in self._rules]


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: List[Dict[str, Any]] = []
        self._next_seq = 0

    def add(self, entry: Dict[str, Any]) -> Dict[str, Any]:
        with self._lock:
            entry["seq"] = self._next_seq
            self._next_seq += 1
            self._entries.append(entry)
            return entry

    def set(self, entry: Dict[str, Any], **values: Any) -> None:
        with self._lock:
            entry.update(values)

    def since(self, seq: int) -> List[Dict[str, Any]]:
        with self._lock:
            return [json.loads(json.dumps(e)) for e in self._entries if e["seq"] >= seq]

    def clear(self) -> None:
        with self._lock:
            self._entries = []


# ----------------------------------------------------------------------------------------------
# The database side


class CloudDatabase:
    """Table operations on the local database; every method raises HttpError on bad input."""

    def __init__(self, db_dir: str):
        import lancedb

        self._db = lancedb.connect(db_dir)

    # Reads -----------------------------------------------------------------------------------

    def table_names(self) -> List[str]:
        names: List[str] = []
        token = None
        while True:
            page = self._db.list_tables(page_token=token)
            names.extend(page.tables)
            if not page.page_token or not page.tables:
                break
            token = page.page_token
        return sorted(set(names))

    def open(self, name: str, version: Optional[int] = None):
        if not _TABLE_NAME.match(name):
            raise HttpError(404, f"Table '{name}' was not found")
        try:
            table = self._db.open_table(name)
        except (ValueError, FileNotFoundError) as e:
            raise HttpError(404, f"Table '{name}' was not found") from e
        if version is not None:
            try:
                table.checkout(version)
            except (ValueError, RuntimeError, OSError) as e:
                raise HttpError(404, f"Table '{name} (version: {version})' was not found: "
                                     f"{e}") from e
        return table

    def describe(self, name: str, version: Optional[int]) -> Dict[str, Any]:
        table = self.open(name, version)
        return {"table": name, "version": table.version, "schema": schema_to_json(table.schema)}

    def count_rows(self, name: str, version: Optional[int], predicate: Optional[str]) -> int:
        table = self.open(name, version)
        return _engine_call(lambda: table.count_rows(predicate))

    def versions(self, name: str) -> Dict[str, Any]:
        table = self.open(name)
        out = []
        for v in table.list_versions():
            stamp = v["timestamp"]
            if stamp.tzinfo is None:
                stamp = stamp.astimezone()
            stamp = stamp.astimezone(datetime.timezone.utc)
            out.append({"version": v["version"],
                        "timestamp": stamp.isoformat().replace("+00:00", "Z"),
                        "metadata": {str(k): str(val) for k, val in v["metadata"].items()}})
        return {"versions": out}

    def stats(self, name: str) -> Dict[str, Any]:
        return self.open(name).stats()

    def query(self, name: str, body: Dict[str, Any],
              batch_rows: Optional[int]) -> Tuple[pa.Schema, Iterator[pa.RecordBatch]]:
        """Plans the query and returns its schema and batches; planning errors raise here."""
        version = _optional_int(body, "version")
        table = self.open(name, version)
        builder = _build_query(table, body)
        k = _optional_int(body, "k")
        if k == 0:
            return _engine_call(builder.output_schema), iter(())
        reader = _engine_call(lambda: builder.to_batches(batch_size=batch_rows))
        # Pull the first batch now so that errors found while executing still get a status.
        first = _engine_call(lambda: _next_or_none(reader))

        def batches() -> Iterator[pa.RecordBatch]:
            if first is None:
                return
            yield first
            for batch in reader:
                yield batch

        return reader.schema, batches()

    # Writes ----------------------------------------------------------------------------------

    def create(self, name: str, mode: str, data: pa.Table) -> Dict[str, Any]:
        if mode not in ("create", "overwrite", "exist_ok"):
            raise HttpError(400, f"create: mode must be create, overwrite or exist_ok, "
                                 f"got {mode!r}")
        if not _TABLE_NAME.match(name) or "$" in name:
            raise HttpError(400, f"Invalid table name {name!r}")
        exists = name in self.table_names()
        if exists and mode == "exist_ok":
            return {"version": self.open(name).version}
        if exists and mode == "create":
            raise HttpError(400, f"Table '{name}' already exists")
        kwargs: Dict[str, Any] = {"mode": "overwrite" if mode == "overwrite" else "create"}
        if data.num_rows == 0:
            table = _engine_call(lambda: self._db.create_table(name, schema=data.schema,
                                                               **kwargs))
        else:
            table = _engine_call(lambda: self._db.create_table(name, data, **kwargs))
        return {"version": table.version}

    def drop(self, name: str) -> Dict[str, Any]:
        self.open(name)
        _engine_call(lambda: self._db.drop_table(name))
        return {}

    def insert(self, name: str, mode: str, data: pa.Table) -> Dict[str, Any]:
        if mode not in ("append", "overwrite"):
            raise HttpError(400, f"insert: mode must be append or overwrite, got {mode!r}")
        table = self.open(name)
        result = _engine_call(lambda: table.add(data, mode=mode))
        return {"version": result.version}

    def delete(self, name: str, body: Dict[str, Any]) -> Dict[str, Any]:
        predicate = _required_str(body, "predicate")
        table = self.open(name)
        result = _engine_call(lambda: table.delete(predicate))
        return {"version": result.version, "num_deleted_rows": result.num_deleted_rows}

    def update(self, name: str, body: Dict[str, Any]) -> Dict[str, Any]:
        updates = body.get("updates")
        if (not isinstance(updates, list) or not updates
                or not all(isinstance(u, list) and len(u) == 2 and all(isinstance(x, str)
                                                                        for x in u)
                           for u in updates)):
            raise HttpError(400, "update: 'updates' must be a non-empty list of "
                                 "[column, sql expression] pairs")
        predicate = body.get("predicate")
        if predicate is not None and not isinstance(predicate, str):
            raise HttpError(400, "update: 'predicate' must be a string")
        table = self.open(name)
        result = _engine_call(lambda: table.update(where=predicate,
                                                   values_sql={c: e for c, e in updates}))
        return {"version": result.version, "rows_updated": result.rows_updated}

    def merge_insert(self, name: str, params: Dict[str, str], data: pa.Table) -> Dict[str, Any]:
        on = params.get("on")
        if not on:
            raise HttpError(400, "merge_insert: query parameter 'on' is required")
        table = self.open(name)
        builder = table.merge_insert(on)
        if _bool_param(params, "when_matched_update_all"):
            builder = builder.when_matched_update_all(
                where=params.get("when_matched_update_all_filt"))
        if _bool_param(params, "when_not_matched_insert_all"):
            builder = builder.when_not_matched_insert_all()
        if _bool_param(params, "when_not_matched_by_source_delete"):
            builder = builder.when_not_matched_by_source_delete(
                params.get("when_not_matched_by_source_delete_filt"))
        result = _engine_call(lambda: builder.execute(data))
        return {"version": result.version, "num_inserted_rows": result.num_inserted_rows,
                "num_updated_rows": result.num_updated_rows,
                "num_deleted_rows": result.num_deleted_rows, "num_attempts": result.num_attempts}

    def add_columns(self, name: str, body: Dict[str, Any]) -> Dict[str, Any]:
        columns = body.get("new_columns")
        if not isinstance(columns, list) or not all(
                isinstance(c, dict) and isinstance(c.get("name"), str)
                and isinstance(c.get("expression"), str) for c in columns):
            raise HttpError(400, "add_columns: 'new_columns' must be a list of "
                                 "{name, expression}")
        table = self.open(name)
        result = _engine_call(lambda: table.add_columns(
            {c["name"]: c["expression"] for c in columns}))
        return {"version": result.version}

    def alter_columns(self, name: str, body: Dict[str, Any]) -> Dict[str, Any]:
        alterations = body.get("alterations")
        if not isinstance(alterations, list) or not all(
                isinstance(a, dict) and isinstance(a.get("path"), str)
                and set(a) <= {"path", "rename", "nullable"} for a in alterations):
            raise HttpError(400, "alter_columns: 'alterations' must be a list of "
                                 "{path, rename?, nullable?} (data_type is not supported)")
        table = self.open(name)
        result = _engine_call(lambda: table.alter_columns(*alterations))
        return {"version": result.version}

    def drop_columns(self, name: str, body: Dict[str, Any]) -> Dict[str, Any]:
        columns = body.get("columns")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise HttpError(400, "drop_columns: 'columns' must be a list of names")
        table = self.open(name)
        result = _engine_call(lambda: table.drop_columns(columns))
        return {"version": result.version}


def _next_or_none(reader: pa.RecordBatchReader) -> Optional[pa.RecordBatch]:
    try:
        return reader.read_next_batch()
    except StopIteration:
        return None


def _engine_call(fn: Callable[[], Any]) -> Any:
    """Runs an engine call; the engine reports bad user input (filters, columns) as ValueError."""
    try:
        return fn()
    except HttpError:
        raise
    except ValueError as e:
        raise HttpError(400, f"Bad request: {e}") from e
    except Exception as e:  # noqa: BLE001 - any other engine failure is a server error
        raise HttpError(500, f"Internal error: {type(e).__name__}: {e}") from e


def _optional_int(body: Dict[str, Any], key: str) -> Optional[int]:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise HttpError(400, f"'{key}' must be a non-negative integer or null, got {value!r}")
    return value


def _required_str(body: Dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise HttpError(400, f"'{key}' must be a string")
    return value


def _bool_param(params: Dict[str, str], key: str) -> bool:
    return params.get(key, "false").lower() == "true"


def _build_query(table, body: Dict[str, Any]):
    from lancedb.query import ColumnOrdering

    vector = body.get("vector", [])
    if not isinstance(vector, list):
        raise HttpError(400, "'vector' must be a list")
    if body.get("full_text_query") is not None:
        fts = body["full_text_query"]
        if not isinstance(fts, dict) or not isinstance(fts.get("query"), str):
            raise HttpError(400, "'full_text_query' must be {\"columns\": [...], \"query\": str}")
        builder = _engine_call(lambda: table.search(fts["query"], query_type="fts",
                                                    fts_columns=fts.get("columns")))
    elif vector:
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vector):
            raise HttpError(400, "'vector' must be a flat list of numbers (one query vector)")
        builder = _engine_call(lambda: table.search(
            vector, vector_column_name=body.get("vector_column"), query_type="vector"))
        if body.get("distance_type") is not None:
            builder = builder.distance_type(body["distance_type"])
        if body.get("nprobes") is not None:
            builder = builder.nprobes(body["nprobes"])
        if body.get("refine_factor") is not None:
            builder = builder.refine_factor(body["refine_factor"])
        if body.get("bypass_vector_index"):
            builder = builder.bypass_vector_index()
    else:
        builder = table.search()

    filter_ = body.get("filter")
    if filter_ is not None:
        if not isinstance(filter_, str):
            raise HttpError(400, "'filter' must be a string")
        prefilter = body.get("prefilter", True)
        builder = builder.where(filter_, prefilter=bool(prefilter))
    columns = body.get("columns")
    if columns is not None:
        if isinstance(columns, list) and all(isinstance(c, str) for c in columns):
            builder = builder.select(columns)
        elif isinstance(columns, dict) and all(isinstance(v, str) for v in columns.values()):
            builder = builder.select(columns)
        else:
            raise HttpError(400, "'columns' must be a list of names or {alias: expression}")
    k = _optional_int(body, "k")
    builder = builder.limit(None if k is None or k > _ENGINE_MAX_LIMIT else k)
    offset = _optional_int(body, "offset")
    if offset:
        builder = builder.offset(offset)
    if body.get("with_row_id"):
        builder = builder.with_row_id(True)
    order_by = body.get("order_by")
    if order_by is not None:
        if not isinstance(order_by, list) or not all(
                isinstance(o, dict) and isinstance(o.get("column_name"), str) for o in order_by):
            raise HttpError(400, "'order_by' must be a list of {column_name, ascending, "
                                 "nulls_first}")
        builder = builder.order_by([ColumnOrdering(column_name=o["column_name"],
                                                   ascending=bool(o.get("ascending", True)),
                                                   nulls_first=bool(o.get("nulls_first", False)))
                                    for o in order_by])
    return builder


# ----------------------------------------------------------------------------------------------
# HTTP


class _ChunkSink(io.RawIOBase):
    """A write-only file that hands over what pyarrow wrote since the last `take()`."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: List[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts = []
        return out


class _ConnectionDropped(Exception):
    """The response was cut on purpose (or the client went away): close without more output."""


class CloudHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lancedb-test-cloud/1"
    server: "CloudServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        if self.server.verbose:
            sys.stderr.write("cloud_server: " + (format % args) + "\n")

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle()

    # Request plumbing ------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise HttpError(400, "chunked body ends early")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError as e:
                    raise HttpError(400, f"bad chunk size line {line[:40]!r}") from e
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(8)
            return b"".join(parts)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError as e:
            raise HttpError(400, f"bad Content-Length {length!r}") from e
        return self.rfile.read(n) if n > 0 else b""

    def _handle(self) -> None:
        self._fault: Optional[FaultRule] = None
        self._entry: Optional[Dict[str, Any]] = None
        self._request_id = self.headers.get("x-request-id")
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query,
                                                             keep_blank_values=True).items()}
        try:
            try:
                body = self._read_body()
            except (HttpError, OSError) as e:
                self.close_connection = True
                if isinstance(e, HttpError):
                    self._send_error(e.status, e.message)
                return
            if path.startswith("/_admin"):
                self._admin(path.rstrip("/"), params, body)
                return
            self._entry = self.server.log.add(self._log_entry(path, params, body))
            rule = self.server.faults.pick(self.command, path)
            if rule is not None:
                self.server.log.set(self._entry, fault=rule.kind)
                if rule.delay_ms:
                    time.sleep(rule.delay_ms / 1000.0)
                if rule.kind == "reset":
                    self._reset_connection()
                    return
                if rule.kind == "status":
                    self._send_fault_status(rule)
                    return
                if rule.kind == "malformed":
                    self._send_malformed(rule, path)
                    return
                if rule.kind in ("truncate", "slow_body"):
                    self._fault = rule
            self._check_api_key()
            self._route(path, params, body)
        except HttpError as e:
            self._send_error(e.status, e.message)
        except (_ConnectionDropped, ConnectionError, socket.timeout):
            self.close_connection = True

    def _log_entry(self, path: str, params: Dict[str, str], body: bytes) -> Dict[str, Any]:
        headers: Dict[str, str] = {}
        for key, value in self.headers.items():
            key = key.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        key = headers.pop("x-api-key", None)
        expected = self.server.api_key
        entry: Dict[str, Any] = {
            "time": time.time(), "method": self.command, "path": path, "raw_path": self.path,
            "query": params, "headers": headers,
            "api_key_present": key is not None,
            "api_key_matched": None if key is None else (expected is None or key == expected),
            "body_bytes": len(body), "json": None, "arrow_rows": None, "status": None,
            "fault": None,
        }
        content_type = headers.get("content-type", "")
        if body and "json" in content_type:
            try:
                entry["json"] = json.loads(body)
            except ValueError:
                entry["json_error"] = True
        elif body and "arrow" in content_type:
            try:
                entry["arrow_rows"] = pa.ipc.open_stream(body).read_all().num_rows
            except pa.ArrowInvalid:
                entry["arrow_error"] = True
        return entry

    def _check_api_key(self) -> None:
        expected = self.server.api_key
        if expected is None:
            return
        key = self.headers.get("x-api-key")
        if key is None:
            raise HttpError(401, "Unauthorized: missing x-api-key header")
        if key != expected:
            raise HttpError(401, "Unauthorized: invalid API key")

    # Routing ---------------------------------------------------------------------------------

    def _route(self, path: str, params: Dict[str, str], body: bytes) -> None:
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        if len(parts) == 5 and parts[:2] == ["v1", "namespace"] and parts[3:] == ["table",
                                                                                 "list"]:
            # The namespaced listing; this database has only the root namespace, spelled "$".
            self._require_method("GET", path)
            if parts[2] != "$":
                raise HttpError(404, f"Namespace '{parts[2]}' was not found")
            self._list_tables(params)
            return
        if parts[:2] != ["v1", "table"]:
            raise HttpError(404, f"Not found: no endpoint {self.command} {path}")
        if len(parts) == 2:
            self._require_method("GET", path)
            self._list_tables(params)
            return
        name, op = parts[2], "/".join(parts[3:])
        db = self.server.database
        if op == "create":
            self._require_method("POST", path)
            result = db.create(name, params.get("mode", "create"), _arrow_body(body))
            self._send_json(200, result)
            return
        if op in ("insert", "merge_insert"):
            self._require_method("POST", path)
            if op == "insert":
                result = db.insert(name, params.get("mode", "append"), _arrow_body(body))
            else:
                result = db.merge_insert(name, params, _arrow_body(body))
            self._send_json(200, result)
            return
        self._require_method("POST", path)
        request = _json_body(body)
        if op == "describe":
            self._send_json(200, db.describe(name, _optional_int(request, "version")))
        elif op == "count_rows":
            predicate = request.get("predicate")
            if predicate is not None and not isinstance(predicate, str):
                raise HttpError(400, "'predicate' must be a string")
            count = db.count_rows(name, _optional_int(request, "version"), predicate)
            self._send_json(200, count)
        elif op == "query":
            self._query(name, request)
        elif op == "version/list":
            self._send_json(200, db.versions(name))
        elif op == "stats":
            self._send_json(200, db.stats(name))
        elif op == "drop":
            self._send_json(200, db.drop(name))
        elif op == "delete":
            self._send_json(200, db.delete(name, request))
        elif op == "update":
            self._send_json(200, db.update(name, request))
        elif op == "add_columns":
            self._send_json(200, db.add_columns(name, request))
        elif op == "alter_columns":
            self._send_json(200, db.alter_columns(name, request))
        elif op == "drop_columns":
            self._send_json(200, db.drop_columns(name, request))
        else:
            raise HttpError(404, f"Not found: no endpoint {self.command} {path}")

    def _require_method(self, method: str, path: str) -> None:
        if self.command != method:
            raise HttpError(405, f"Method not allowed: {self.command} {path} (use {method})")

    def _list_tables(self, params: Dict[str, str]) -> None:
        limit = params.get("limit")
        try:
            limit_n = int(limit) if limit not in (None, "") else None
        except ValueError as e:
            raise HttpError(400, f"limit must be an integer, got {limit!r}") from e
        if limit_n is not None and limit_n < 0:
            raise HttpError(400, "limit must not be negative")
        names = self.server.database.table_names()
        token = params.get("page_token")
        if token:
            names = [n for n in names if n > token]
        page = names if not limit_n else names[:limit_n]
        more = len(page) < len(names)
        next_token = page[-1] if page and (more or self.server.config.list_always_token) else None
        self._send_json(200, {"tables": page, "page_token": next_token})

    def _query(self, name: str, request: Dict[str, Any]) -> None:
        config = self.server.config_snapshot()
        schema, batches = self.server.database.query(name, request, config.batch_rows)
        options = pa.ipc.IpcWriteOptions(compression=config.ipc_compression,
                                         unify_dictionaries=config.ipc_format == "file")
        content_type = ARROW_FILE if config.ipc_format == "file" else ARROW_STREAM
        if config.query_content_type is not None:
            content_type = config.query_content_type or None
        if config.ipc_format == "file":
            try:
                table = pa.Table.from_batches(list(batches), schema=schema)
            except (pa.ArrowException, ValueError) as e:
                raise HttpError(500, f"Internal error: query failed: {e}") from e
            sink = pa.BufferOutputStream()
            with pa.ipc.new_file(sink, schema, options=options) as writer:
                writer.write_table(table)
            self._send_bytes(200, sink.getvalue().to_pybytes(), content_type, config)
            return

        def stream_chunks() -> Iterator[bytes]:
            sink = _ChunkSink()
            writer = pa.ipc.new_stream(sink, schema, options=options)
            yield sink.take()
            for batch in batches:
                writer.write_batch(batch)
                yield sink.take()
                if config.batch_delay_ms:
                    time.sleep(config.batch_delay_ms / 1000.0)
            writer.close()
            yield sink.take()

        self._send_chunked(200, stream_chunks(), content_type, config)

    # Admin -----------------------------------------------------------------------------------

    def _admin(self, path: str, params: Dict[str, str], body: bytes) -> None:
        try:
            if path == "/_admin/health":
                self._send_json(200, {"ok": True}, admin=True)
            elif path == "/_admin/faults" and self.command == "GET":
                self._send_json(200, {"rules": self.server.faults.to_json()}, admin=True)
            elif path == "/_admin/faults" and self.command == "POST":
                request = _json_body(body)
                count = self.server.faults.install(request.get("rules", []),
                                                   bool(request.get("append", False)))
                self._send_json(200, {"rules": count}, admin=True)
            elif path == "/_admin/config" and self.command == "GET":
                self._send_json(200, self.server.config_snapshot().to_json(), admin=True)
            elif path == "/_admin/config" and self.command == "POST":
                self._send_json(200, self.server.update_config(_json_body(body)).to_json(),
                                admin=True)
            elif path == "/_admin/log" and self.command == "GET":
                try:
                    since = int(params.get("since", "0"))
                except ValueError as e:
                    raise HttpError(400, "since must be an integer") from e
                self._send_json(200, {"requests": self.server.log.since(since)}, admin=True)
            elif path == "/_admin/reset" and self.command == "POST":
                self.server.reset()
                self._send_json(200, {"ok": True}, admin=True)
            else:
                raise HttpError(404, f"Not found: no admin endpoint {self.command} {path}")
        except HttpError as e:
            self._send_error(e.status, e.message, admin=True)

    # Responses -------------------------------------------------------------------------------

    def _start(self, status: int, headers: List[Tuple[str, str]], admin: bool = False) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        if self._request_id:
            self.send_header("x-request-id", self._request_id)
        if not admin:
            for key, value in self.server.config_snapshot().extra_headers.items():
                self.send_header(key, str(value))
        self.end_headers()
        if self._entry is not None and not admin:
            self.server.log.set(self._entry, status=status)

    def _send_json(self, status: int, obj: Any, admin: bool = False) -> None:
        body = json.dumps(obj).encode()
        if admin:
            self._start(status, [("Content-Type", JSON_TYPE),
                                 ("Content-Length", str(len(body)))], admin=True)
            self.wfile.write(body)
            return
        self._send_bytes(status, body, JSON_TYPE, self.server.config_snapshot())

    def _send_error(self, status: int, message: str, admin: bool = False) -> None:
        body = json.dumps({"code": status, "error": message}).encode()
        self._start(status, [("Content-Type", JSON_TYPE), ("Content-Length", str(len(body)))],
                    admin=admin)
        self.wfile.write(body)

    def _accepts_gzip(self, config: ServerConfig) -> bool:
        return config.gzip and "gzip" in self.headers.get("Accept-Encoding", "").lower()

    def _send_bytes(self, status: int, body: bytes, content_type: Optional[str],
                    config: ServerConfig) -> None:
        headers: List[Tuple[str, str]] = []
        if content_type:
            headers.append(("Content-Type", content_type))
        if self._accepts_gzip(config):
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        self._start(status, headers)
        rule = self._fault
        if rule is not None and rule.kind == "truncate":
            cut = rule.bytes if rule.bytes is not None else int(len(body) * rule.fraction)
            cut = min(cut, max(len(body) - 1, 0))
            self.wfile.write(body[:cut])
            self.wfile.flush()
            raise _ConnectionDropped()
        if rule is not None and rule.kind == "slow_body":
            for start in range(0, len(body), rule.chunk_bytes):
                self.wfile.write(body[start:start + rule.chunk_bytes])
                self.wfile.flush()
                time.sleep(rule.interval_ms / 1000.0)
            return
        self.wfile.write(body)

    def _send_chunked(self, status: int, chunks: Iterator[bytes], content_type: Optional[str],
                      config: ServerConfig) -> None:
        headers: List[Tuple[str, str]] = []
        if content_type:
            headers.append(("Content-Type", content_type))
        compressor = None
        if self._accepts_gzip(config):
            compressor = zlib.compressobj(wbits=31)
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Transfer-Encoding", "chunked"))
        self._start(status, headers)
        rule = self._fault
        budget = None
        if rule is not None and rule.kind == "truncate":
            # The body length is unknown up front; `bytes` counts payload bytes, and without it
            # the cut comes after the first data chunk.
            budget = rule.bytes
        sent = 0
        chunks_sent = 0
        try:
            for data in chunks:
                if compressor is not None:
                    data = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
                if not data:
                    continue
                if budget is None and rule is not None and rule.kind == "truncate" \
                        and chunks_sent == 1:
                    budget = sent + len(data) // 2
                if budget is not None and sent + len(data) > budget:
                    self._write_chunk(data, cut=budget - sent)
                    raise _ConnectionDropped()
                self._write_chunk(data, rule=rule)
                sent += len(data)
                chunks_sent += 1
            if compressor is not None:
                tail = compressor.flush()
                if tail:
                    self._write_chunk(tail, rule=rule)
        except _ConnectionDropped:
            raise
        except (ConnectionError, socket.timeout):
            raise _ConnectionDropped()
        except Exception as e:  # noqa: BLE001 - the engine failed after the status line
            # An unfinished chunked body is the only way left to tell the client.
            sys.stderr.write(f"cloud_server: stream aborted: {type(e).__name__}: {e}\n")
            raise _ConnectionDropped()
        if budget is not None:
            raise _ConnectionDropped()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes, rule: Optional[FaultRule] = None,
                     cut: Optional[int] = None) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode())
        if cut is not None:
            self.wfile.write(data[:max(cut, 0)])
            self.wfile.flush()
            return
        if rule is not None and rule.kind == "slow_body":
            for start in range(0, len(data), rule.chunk_bytes):
                self.wfile.write(data[start:start + rule.chunk_bytes])
                self.wfile.flush()
                time.sleep(rule.interval_ms / 1000.0)
        else:
            self.wfile.write(data)
        self.wfile.write(b"\r\n")
        self.wfile.flush()

    def _send_fault_status(self, rule: FaultRule) -> None:
        if rule.body is not None:
            body = rule.body.encode() if isinstance(rule.body, str) else json.dumps(
                rule.body).encode()
        else:
            body = json.dumps({"code": rule.status,
                               "error": f"Injected fault: HTTP {rule.status}"}).encode()
        headers = [("Content-Type", rule.content_type or JSON_TYPE),
                   ("Content-Length", str(len(body)))]
        if rule.retry_after is not None:
            headers.append(("Retry-After", str(rule.retry_after)))
        self._start(rule.status, headers)
        self.wfile.write(body)

    def _send_malformed(self, rule: FaultRule, path: str) -> None:
        op = path.rstrip("/").rsplit("/", 1)[-1]
        if rule.body is not None:
            body = rule.body.encode() if isinstance(rule.body, str) else json.dumps(
                rule.body).encode()
            content_type = rule.content_type or JSON_TYPE
        elif op == "query":
            # Starts like an IPC file but the rest is not a valid Arrow message.
            config = self.server.config_snapshot()
            body = b"ARROW1\x00\x00" + b"\xff\xff\xff\xff\x10\x00\x00\x00" + b"garbage!" * 8
            content_type = ARROW_FILE if config.ipc_format == "file" else ARROW_STREAM
        elif op == "count_rows":
            body = b'{"count": 42}'
            content_type = JSON_TYPE
        elif op == "describe":
            body = b'{"table": "t", "version": 1, "schema": {"fields": [{"name": "id", "ty'
            content_type = JSON_TYPE
        elif op == "table":
            body = b'{"tables": "not-a-list"}'
            content_type = JSON_TYPE
        else:
            body = b"<html>not json</html>"
            content_type = JSON_TYPE
        if rule.content_type is not None:
            content_type = rule.content_type
        headers = [("Content-Length", str(len(body)))]
        if content_type:
            headers.insert(0, ("Content-Type", content_type))
        self._start(200, headers)
        self.wfile.write(body)

    def _reset_connection(self) -> None:
        if self._entry is not None:
            self.server.log.set(self._entry, status=0)
        self.close_connection = True
        try:
            # Zero linger turns close() into a TCP RST instead of an orderly FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


def _json_body(body: bytes) -> Dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except ValueError as e:
        raise HttpError(400, f"Bad request: body is not valid JSON: {e}") from e
    if not isinstance(value, dict):
        raise HttpError(400, "Bad request: JSON body must be an object")
    return value


def _arrow_body(body: bytes) -> pa.Table:
    try:
        return pa.ipc.open_stream(body).read_all()
    except (pa.ArrowInvalid, OSError) as e:
        raise HttpError(400, f"Bad request: body is not an Arrow IPC stream: {e}") from e


class CloudServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, db_dir: str, port: int = 0, api_key: Optional[str] = None,
                 config: Optional[ServerConfig] = None, verbose: bool = False):
        self.database = CloudDatabase(db_dir)
        self.api_key = api_key or None
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.verbose = verbose
        self._defaults = config or ServerConfig()
        self._defaults.validate()
        self._config = dataclasses.replace(self._defaults)
        self._config_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), CloudHandler)

    @property
    def config(self) -> ServerConfig:
        return self.config_snapshot()

    def config_snapshot(self) -> ServerConfig:
        with self._config_lock:
            return dataclasses.replace(self._config,
                                       extra_headers=dict(self._config.extra_headers))

    def update_config(self, changes: Dict[str, Any]) -> ServerConfig:
        with self._config_lock:
            candidate = dataclasses.replace(self._config)
            candidate.update(changes)
            self._config = candidate
            return dataclasses.replace(candidate)

    def reset(self) -> None:
        self.faults.clear()
        self.log.clear()
        with self._config_lock:
            self._config = dataclasses.replace(self._defaults,
                                               extra_headers=dict(self._defaults.extra_headers))

    @property
    def port(self) -> int:
        return self.server_address[1]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="LanceDB Cloud REST test server")
    parser.add_argument("--db", required=True, help="local LanceDB database directory")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free)")
    parser.add_argument("--port-file", help="write the bound port to this file")
    parser.add_argument("--api-key", help="require this x-api-key on /v1 requests")
    parser.add_argument("--ipc-format", choices=("file", "stream"), default="file")
    parser.add_argument("--ipc-compression", choices=("lz4", "zstd"), default=None)
    parser.add_argument("--gzip", action="store_true", help="gzip answers when accepted")
    parser.add_argument("--batch-rows", type=int, default=None)
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.db):
        print(f"cloud_server: error: database directory {args.db!r} does not exist",
              file=sys.stderr)
        return 1
    config = ServerConfig(ipc_format=args.ipc_format, ipc_compression=args.ipc_compression,
                          gzip=args.gzip, batch_rows=args.batch_rows)
    server = CloudServer(args.db, args.port, args.api_key, config, args.verbose)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{server.port}\n")
        os.replace(tmp, args.port_file)
    print(f"listening on http://127.0.0.1:{server.port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
