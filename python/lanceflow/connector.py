"""The LakeflowConnect connector class (lakeflow-contract.md §1) over lanceflow's C++ connect layer.

Options are string maps. The constructor takes the connection keys (other keys are ignored):

    source              a LanceDB database directory, file:///path, or db://PROJECT (Cloud)
    database            db://PROJECT without the prefix (alias project_name)
    region              Cloud region (default us-east-1)
    host_override       Cloud base URL, e.g. http://127.0.0.1:8080 (else env LANCEDB_HOST_OVERRIDE)
    api_key             the Cloud API key itself; or api_key_file (a file holding it), or
                        api_key_env (the variable holding it, default LANCEDB_API_KEY)
    connect_timeout_ms, read_timeout_ms, max_attempts, page_rows

The table options of each call are those of the `lanceflow read-table --options` command
(include/lanceflow/connect/lakeflow_connect.h). Values that are not strings are JSON-encoded, as
the framework's spec parser does.

An instance holds only its options: the native connection is opened on first use and dropped when
the instance is pickled, so instances can be shipped to Spark executors. Every read of a table in
one instance uses the table version recorded at the instance's first call for that table; make one
instance per trigger. Records from `read_table` are read lazily: consume (or drop) the iterator
before the next call on the same instance.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from lanceflow import _native, errors

_SECRET_KEYS = ("api_key",)


def _string_options(options: Optional[Mapping[str, Any]], what: str) -> Dict[str, str]:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(f"{what} must be a dict of option names to strings, "
                        f"not {type(options).__name__}")
    out = {}
    for key, value in options.items():
        if not isinstance(key, str):
            raise TypeError(f"{what}: option names must be strings, not {type(key).__name__}")
        out[key] = value if isinstance(value, str) else json.dumps(value)
    return out


def _offset_text(offset: Any) -> str:
    """None and {} both mean "from the start" (contract O2)."""
    if offset is None:
        return "{}"
    if isinstance(offset, Mapping):
        return json.dumps(dict(offset), separators=(",", ":"), allow_nan=False)
    if isinstance(offset, str):
        return offset
    raise TypeError(f"start_offset must be a dict or None, not {type(offset).__name__}")


def _json_records(reader) -> Iterator[dict]:
    while True:
        text = reader.next_json()
        if text is None:
            return
        yield from json.loads(text)


_STRUCT_TYPE = None


# The C stream interface carries an errno and the message; pyarrow turns them into its own
# exceptions. Readers handed out re-raise them as the lanceflow exception of that errno, with
# the same one-line message.
def _arrow_reader(native_reader):
    import pyarrow as pa
    inner = pa.RecordBatchReader.from_stream(native_reader)

    def batches():
        try:
            yield from inner
        except (pa.ArrowException, OSError) as e:
            raise _error_of_arrow(e) from None

    return pa.RecordBatchReader.from_batches(inner.schema, batches())


def _error_of_arrow(e: Exception) -> errors.LanceflowError:
    import pyarrow as pa
    message = str(e).strip()
    # pyarrow may prefix the status kind ("Invalid: ..."); the message is ours after it.
    for prefix in ("Invalid: ", "NotImplemented: ", "IOError: ", "Unknown error: "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if isinstance(e, pa.ArrowNotImplementedError):
        return errors.NotSupportedError(message)
    if isinstance(e, pa.ArrowInvalid):
        return errors.InvalidArgumentError(message)
    if isinstance(e, (FileNotFoundError, pa.ArrowKeyError)):
        return errors.NotFoundError(message)
    return errors.SourceIOError(message)


def _struct_type():
    """pyspark.sql.types.StructType, or False when PySpark is not importable."""
    global _STRUCT_TYPE
    if _STRUCT_TYPE is None:
        try:
            from pyspark.sql.types import StructType
            _STRUCT_TYPE = StructType
        except ImportError:
            _STRUCT_TYPE = False
    return _STRUCT_TYPE


class LakeflowConnect:
    """LanceDB tables through the LakeflowConnect contract, with the partition mixins
    (get_partitions, read_partition, is_partitioned, latest_offset)."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self._options = _string_options(options, "options")
        for key in _SECRET_KEYS:
            if self._options.get(key):
                _native.register_secret(self._options[key])
        self._native = None
        self._lock = threading.Lock()
        self._latest: Dict[str, str] = {}  # latest_offset's last answer per table

    # Pickling: only the options travel; the native connection is opened again on first use.
    def __getstate__(self) -> dict:
        return {"options": dict(self._options)}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["options"])

    def __repr__(self) -> str:
        where = self._options.get("source") or self._options.get("database") or \
            self._options.get("project_name") or "?"
        return f"{type(self).__name__}(source={_native.redact(where)!r})"

    def _conn(self):
        with self._lock:
            if self._native is None:
                self._native = _native.Connector(self._options)
            return self._native

    # The contract (lakeflow-contract.md §1).

    def list_tables(self) -> List[str]:
        return self._conn().list_tables()

    def get_table_schema(self, table_name: str, table_options: Mapping[str, Any]):
        """A pyspark.sql.types.StructType when PySpark is importable, else its JSON as a dict."""
        schema = self.get_table_schema_json(table_name, table_options)
        struct_type = _struct_type()
        return struct_type.fromJson(schema) if struct_type else schema

    def get_table_schema_json(self, table_name: str, table_options: Mapping[str, Any]) -> dict:
        """The Spark StructType JSON of the table's output columns."""
        text = self._conn().get_table_schema(table_name,
                                             _string_options(table_options, "table_options"))
        return json.loads(text)

    def read_table_metadata(self, table_name: str, table_options: Mapping[str, Any]) -> dict:
        """{"primary_keys": [...], "cursor_field": str | None, "ingestion_type": str}"""
        text = self._conn().read_table_metadata(table_name,
                                                _string_options(table_options, "table_options"))
        return json.loads(text)

    def read_table(self, table_name: str, start_offset: Optional[Mapping[str, Any]],
                   table_options: Mapping[str, Any]) -> Tuple[Iterator[dict], dict]:
        """(records as JSON-compatible dicts, end offset). The end offset is computed before the
        records are read; feed it back as the next start offset."""
        reader, end = self._read(table_name, start_offset, table_options, deletes=False)
        return _json_records(reader), json.loads(end)

    def read_table_deletes(self, table_name: str, start_offset: Optional[Mapping[str, Any]],
                           table_options: Mapping[str, Any]) -> Tuple[Iterator[dict], dict]:
        """cdc_with_deletes tables of local sources: the primary keys (and cursor) of rows deleted
        after the offset's version."""
        reader, end = self._read(table_name, start_offset, table_options, deletes=True)
        return _json_records(reader), json.loads(end)

    # Arrow fast path: the same rows as pyarrow record batches, column buffers not copied.

    def read_table_arrow(self, table_name: str, start_offset: Optional[Mapping[str, Any]],
                         table_options: Mapping[str, Any]):
        """(pyarrow.RecordBatchReader, end offset)."""
        reader, end = self._read(table_name, start_offset, table_options, deletes=False)
        return _arrow_reader(reader), json.loads(end)

    def read_table_deletes_arrow(self, table_name: str, start_offset: Optional[Mapping[str, Any]],
                                 table_options: Mapping[str, Any]):
        reader, end = self._read(table_name, start_offset, table_options, deletes=True)
        return _arrow_reader(reader), json.loads(end)

    # Partition mixins (SupportsPartition, SupportsPartitionedStream). Descriptors are JSON
    # objects that carry the table version they read, so an executor's fresh (unpickled)
    # instance reads exactly the rows the driver planned: for local tables one partition per
    # Lance fragment (larger fragments split into row ranges of partition_rows rows), or with
    # option target_partitions about that many partitions of equal physical rows; per page range
    # (option partition_rows) of the pinned version for Cloud tables.

    def is_partitioned(self, table_name: str) -> bool:
        return True

    def get_partitions(self, table_name: str, table_options: Mapping[str, Any],
                       start_offset: Optional[Mapping[str, Any]] = None,
                       end_offset: Optional[Mapping[str, Any]] = None) -> List[dict]:
        """Batch (both offsets None): partitions covering the whole table at the pinned version.
        Stream: partitions covering the rows in (start_offset, end_offset]; empty when equal."""
        opts = _string_options(table_options, "table_options")
        if start_offset is None and end_offset is None:
            parts = self._conn().get_partitions(table_name, opts)
        else:
            if end_offset is None:
                raise TypeError("get_partitions: end_offset is required with a start_offset")
            parts = self._conn().get_stream_partitions(table_name, opts,
                                                       _offset_text(start_offset),
                                                       _offset_text(end_offset))
        return [json.loads(p) for p in parts]

    def latest_offset(self, table_name: str, table_options: Mapping[str, Any],
                      start_offset: Optional[Mapping[str, Any]] = None) -> dict:
        """The end offset read_table(table_name, start_offset) would return (the same admission
        control: at most max_records_per_batch rows further). PySpark does not pass the start
        offset yet: with None, the instance continues from the offset it returned last for this
        table (from the start on its first call)."""
        if start_offset is None:
            start = self._latest.get(table_name, "{}")
        else:
            start = _offset_text(start_offset)
        end = self._conn().latest_offset(table_name,
                                         _string_options(table_options, "table_options"), start)
        self._latest[table_name] = end
        return json.loads(end)

    def read_partition(self, table_name: str, partition: Mapping[str, Any],
                       table_options: Mapping[str, Any]) -> Iterator[dict]:
        return _json_records(self._read_partition(table_name, partition, table_options))

    def read_partition_arrow(self, table_name: str, partition: Mapping[str, Any],
                             table_options: Mapping[str, Any]):
        """The partition's rows as a pyarrow.RecordBatchReader (column buffers not copied)."""
        return _arrow_reader(self._read_partition(table_name, partition, table_options))

    def _read_partition(self, table_name, partition, table_options):
        if not isinstance(partition, Mapping):
            raise TypeError(f"partition must be a dict, not {type(partition).__name__}")
        return self._conn().read_partition(table_name,
                                           json.dumps(dict(partition), separators=(",", ":")),
                                           _string_options(table_options, "table_options"))

    def pinned_version(self, table_name: str) -> int:
        """The table version every read of this instance uses (recorded at the first call)."""
        return self._conn().pinned_version(table_name)

    def _read(self, table_name, start_offset, table_options, deletes):
        return self._conn().read_table(table_name, _offset_text(start_offset),
                                       _string_options(table_options, "table_options"), deletes)


# The name community connectors give their class; the framework instantiates either.
LanceDBLakeflowConnect = LakeflowConnect
