"""PySpark data source ``lanceflow``: LanceDB tables read through lanceflow's native reader.

    from lanceflow.spark import register
    register(spark)
    df = (spark.read.format("lanceflow")
          .option("source", "/data/lancedb").option("table", "t").load())

Batch reads plan one Spark partition per connector partition (``get_partitions``) and every task
yields the ``pyarrow.RecordBatch``es of ``read_partition_arrow`` to Spark, so no row passes
through Python objects. Streaming reads (``spark.readStream.format("lanceflow")``, any trigger,
``Trigger.AvailableNow`` included) map Spark's offsets onto the connector's: the initial offset
is ``{}``, ``latestOffset`` asks ``latest_offset`` and each micro-batch reads the partitions of
``get_partitions(table, options, start, end)``.

Options (all strings, as Spark passes them): ``table`` (or ``tableName``), ``source`` (a local
LanceDB directory or ``db://PROJECT``), the connection keys (``api_key``, ``region``,
``host_override``...) and every table option of the connector (``columns``, ``filter_expression``,
``ingestion_type``, ``cursor_field``, ``primary_keys``, ``batch_size``,
``max_records_per_batch``, ``partition_rows``, ``target_partitions``...). ``register(spark)``
defaults ``target_partitions`` to the session's ``defaultParallelism`` (batch reads of local
tables: one partition per core) unless the reader sets ``partition_rows`` or
``target_partitions``. They are handed to ``lanceflow.LakeflowConnect`` unchanged
(Spark lower-cases option names; the connector's names are lower case). Option values are never
logged or put into error messages: the API key travels in the same map.

Type mapping: the Spark schema is the connector's ``get_table_schema`` (Arrow to Spark as in
``docs/python.md``); batches whose Arrow types differ from what Spark expects for that schema
(``fixed_size_list`` to ``list``, ``int8`` to ``int64``, ``float16`` to ``float32``,
``timestamp[ns]`` floored to ``timestamp[us]``...) are cast per column before they are handed
over. A cast that would lose data (an integer out of range, say) fails the task with the
column's name.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql.datasource import (
    DataSource,
    DataSourceReader,
    DataSourceStreamReader,
    InputPartition,
)
from pyspark.sql.types import StructType

FORMAT_NAME = "lanceflow"

# latestOffset follows the connector's offsets from the last planned end until two calls agree.
# The connector pins the table version per instance, so this converges; the bound turns a
# connector that never converges into an error instead of a hung driver.
_MAX_OFFSET_STEPS = 100000
# Each latest_offset step scans the cursor (and key) column after its start offset, so the driver
# takes the largest step the connector accepts: the end offset of a micro-batch does not depend on
# the step size (get_partitions covers any (start, end]), only the number of scans does.
_OFFSET_STEP_RECORDS = "1000000"


class LanceflowError(RuntimeError):
    """A problem with the options or with what the connector returned."""


def _connector_options(options: Mapping[str, Any]) -> Dict[str, str]:
    """The Spark options as the plain string map the connector expects.

    ``table`` is the data source's own key; ``tableName`` (the framework's spelling) is passed
    through and also accepted as the table name."""
    out: Dict[str, str] = {}
    for key, value in options.items():
        if value is None:
            continue
        out[str(key)] = value if isinstance(value, str) else str(value)
    return out


def _table_name(options: Mapping[str, str]) -> str:
    for key in ("table", "tablename", "tableName"):
        value = options.get(key)
        if value:
            return value
    raise LanceflowError("lanceflow data source: option 'table' is required")


def _offset_dict(offset: Any, what: str) -> dict:
    """A connector offset as the dict Spark checkpoints: None and "" mean {}."""
    if offset is None or offset == "":
        return {}
    if isinstance(offset, (str, bytes)):
        offset = json.loads(offset)
    if offset is None:
        return {}
    if not isinstance(offset, dict):
        raise LanceflowError(f"lanceflow data source: {what} is not a JSON object "
                             f"({type(offset).__name__})")
    return offset


def _canonical(offset: dict) -> str:
    return json.dumps(offset, sort_keys=True, separators=(",", ":"))


def _descriptor_text(descriptor: Any) -> str:
    """A partition descriptor as JSON text (the picklable form an InputPartition carries)."""
    if isinstance(descriptor, (str, bytes)):
        text = descriptor.decode() if isinstance(descriptor, bytes) else descriptor
        json.loads(text)  # must be JSON
        return text
    return json.dumps(descriptor, sort_keys=True, separators=(",", ":"))


def _spark_schema(value: Any) -> StructType:
    """get_table_schema's result (StructType, its JSON text or JSON dict) as a StructType."""
    if isinstance(value, StructType):
        return value
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    if isinstance(value, dict):
        return StructType.fromJson(value)
    raise LanceflowError("lanceflow data source: get_table_schema returned "
                         f"{type(value).__name__}, not a Spark schema")


def _connect(options: Dict[str, str]):
    # Imported here: executors import this module when they unpickle a reader, and the
    # extension loads only where a read happens.
    from lanceflow import LakeflowConnect
    return LakeflowConnect(options)


class LanceflowPartition(InputPartition):
    """One connector partition: its descriptor as JSON text (picklable, stable)."""

    def __init__(self, descriptor: str):
        super().__init__(descriptor)
        self.descriptor = descriptor

    def __repr__(self) -> str:
        return f"LanceflowPartition({self.descriptor})"


class _StreamRangePartition(InputPartition):
    """The whole range (start, end] of a table without a partition mixin, read by one task."""

    def __init__(self, start: str, end: str):
        super().__init__((start, end))
        self.start = start
        self.end = end


class _ArrowConformer:
    """Casts connector batches to the Arrow types Spark expects for a Spark schema."""

    def __init__(self, schema: StructType):
        from pyspark.sql.pandas.types import to_arrow_schema
        self.spark_schema = schema
        self.target = to_arrow_schema(schema, timestamp_utc=True)

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if batch.schema.equals(self.target, check_metadata=False):
            return batch
        columns = []
        names = batch.schema.names
        for field in self.target:
            if field.name not in names:
                raise LanceflowError(f"lanceflow data source: the connector's batch has no column "
                                     f"'{field.name}' (it has {names})")
            column = batch.column(field.name)
            if not column.type.equals(field.type):
                column = _cast(column, field)
            columns.append(column)
        return pa.RecordBatch.from_arrays(columns, schema=self.target)


def _has_subsecond_unit(t: pa.DataType) -> bool:
    if pa.types.is_timestamp(t):
        return t.unit == "ns"
    if pa.types.is_struct(t):
        return any(_has_subsecond_unit(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _has_subsecond_unit(t.value_type)
    if pa.types.is_dictionary(t):
        return _has_subsecond_unit(t.value_type)
    return False


def _cast(column: pa.Array, field: pa.Field) -> pa.Array:
    # Spark keeps microseconds: nanosecond timestamps are floored to the microsecond (toward
    # -infinity, as the Spark mapping documents; a cast alone would truncate toward zero before
    # the epoch). Every other narrowing must be exact.
    try:
        if pa.types.is_timestamp(column.type) and column.type.unit == "ns":
            column = pc.floor_temporal(column, unit="microsecond")
        options = pc.CastOptions(field.type, allow_time_truncate=_has_subsecond_unit(column.type))
        return pc.cast(column, options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise LanceflowError(f"lanceflow data source: column '{field.name}': cannot convert "
                             f"{column.type} to Spark's {field.type}: {e}") from None


class _ReaderBase:
    def __init__(self, options: Dict[str, str], table: str, schema: StructType):
        self.options = options
        self.table = table
        self.schema = schema

    def _read_descriptor(self, descriptor: str) -> Iterator[pa.RecordBatch]:
        conform = _ArrowConformer(self.schema)
        connector = _connect(self.options)
        reader = connector.read_partition_arrow(self.table, json.loads(descriptor), self.options)
        for batch in reader:
            if batch.num_rows:
                yield conform(batch)

    def _read_range(self, start: dict, end: dict) -> Iterator[pa.RecordBatch]:
        """read_table_arrow from `start` until the offset reaches `end` (non-partitioned tables).

        Offsets are deterministic for a start (contract O7), so the task reads exactly the rows
        the driver's latestOffset walked over."""
        conform = _ArrowConformer(self.schema)
        connector = _connect(self.options)
        want = _canonical(end)
        offset = start
        for _ in range(_MAX_OFFSET_STEPS):
            if _canonical(offset) == want:
                return
            reader, next_offset = connector.read_table_arrow(self.table, offset, self.options)
            for batch in reader:
                if batch.num_rows:
                    yield conform(batch)
            next_offset = _offset_dict(next_offset, "read_table_arrow's end offset")
            if _canonical(next_offset) == _canonical(offset):
                raise LanceflowError(f"lanceflow data source: table '{self.table}' stopped at "
                                     f"offset {_canonical(offset)} before the planned end {want}")
            offset = next_offset
        raise LanceflowError(f"lanceflow data source: table '{self.table}': offsets did not reach "
                             f"the planned end within {_MAX_OFFSET_STEPS} reads")


class LanceflowBatchReader(_ReaderBase, DataSourceReader):
    """Batch scan: one Spark partition per connector partition, Arrow batches out."""

    def partitions(self) -> Sequence[InputPartition]:
        connector = _connect(self.options)
        if not _is_partitioned(connector, self.table, self.options):
            return [_StreamRangePartition("", "")]
        descriptors = connector.get_partitions(self.table, self.options)
        return [LanceflowPartition(_descriptor_text(d)) for d in descriptors]

    def read(self, partition: Optional[InputPartition]) -> Iterator[pa.RecordBatch]:
        if isinstance(partition, LanceflowPartition):
            return self._read_descriptor(partition.descriptor)
        # No connector partitions (Spark hands None for an empty list) or no partition mixin:
        # one read of the whole table.
        return self._read_all()

    def _read_all(self) -> Iterator[pa.RecordBatch]:
        conform = _ArrowConformer(self.schema)
        connector = _connect(self.options)
        if _is_partitioned(connector, self.table, self.options):
            # get_partitions returned no partition: the table has no rows to read.
            return
        reader, _ = connector.read_table_arrow(self.table, {}, self.options)
        for batch in reader:
            if batch.num_rows:
                yield conform(batch)


class LanceflowStreamReader(_ReaderBase, DataSourceStreamReader):
    """Micro-batch stream over the connector's offsets.

    PySpark 4.0 calls ``latestOffset()`` without the start offset. The start is the end of the
    last range Spark planned: ``{}`` for a new query, and on a restart Spark announces the
    checkpoint's last offset through ``partitions(last, last)`` before it asks for the latest
    offset (``AcceptsLatestSeenOffset``). Spark 4.0 Python streams have no admission control,
    so ``latestOffset`` returns everything available now: it follows ``latest_offset`` (with the
    largest ``max_records_per_batch``, to scan the cursor column as few times as possible) until
    two consecutive offsets agree (the connector pins the table version, so a trigger never
    chases new commits); the micro-batch is split into the connector's partitions, which bounds
    memory per task. With ``Trigger.AvailableNow`` Spark asks once per run, reads that range and
    stops.
    """

    def __init__(self, options: Dict[str, str], table: str, schema: StructType):
        super().__init__(options, table, schema)
        self._last_end: dict = {}

    def initialOffset(self) -> dict:
        return {}

    def latestOffset(self) -> dict:
        connector = _connect(self.options)
        start = self._last_end
        partitioned = _is_partitioned(connector, self.table, self.options)
        step_options = dict(self.options, max_records_per_batch=_OFFSET_STEP_RECORDS)
        for _ in range(_MAX_OFFSET_STEPS):
            if partitioned:
                end = connector.latest_offset(self.table, step_options, start)
            else:
                reader, end = connector.read_table_arrow(self.table, start, self.options)
                for _batch in reader:  # the driver only learns the offsets
                    pass
            end = _offset_dict(end, "the connector's latest offset")
            if _canonical(end) == _canonical(start):
                return start
            start = end
        raise LanceflowError(f"lanceflow data source: table '{self.table}': the connector's "
                             f"offsets did not converge within {_MAX_OFFSET_STEPS} steps")

    def partitions(self, start: dict, end: dict) -> Sequence[InputPartition]:
        start = _offset_dict(start, "the start offset")
        end = _offset_dict(end, "the end offset")
        self._last_end = end
        if _canonical(start) == _canonical(end):
            return []
        connector = _connect(self.options)
        if not _is_partitioned(connector, self.table, self.options):
            return [_StreamRangePartition(_canonical(start), _canonical(end))]
        descriptors = connector.get_partitions(self.table, self.options, start, end)
        return [LanceflowPartition(_descriptor_text(d)) for d in descriptors]

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        if isinstance(partition, LanceflowPartition):
            return self._read_descriptor(partition.descriptor)
        if isinstance(partition, _StreamRangePartition):
            return self._read_range(json.loads(partition.start), json.loads(partition.end))
        raise LanceflowError(f"lanceflow data source: unexpected partition {partition!r}")

    def commit(self, end: dict) -> None:
        # Nothing to release: the offsets live in Spark's checkpoint only (contract O8).
        pass


def _is_partitioned(connector: Any, table: str, options: Dict[str, str]) -> bool:
    probe = getattr(connector, "is_partitioned", None)
    if probe is None:
        return hasattr(connector, "get_partitions")
    try:
        return bool(probe(table))
    except TypeError:  # the contract leaves the signature open; some take the options too
        return bool(probe(table, options))


class LanceflowDataSource(DataSource):
    """``spark.read.format("lanceflow")`` / ``spark.readStream.format("lanceflow")``."""

    # Options used when the reader gives neither them nor partition_rows: register() sets
    # target_partitions to the session's default parallelism on the class it registers (the
    # data source runs in Python workers, which have no SparkSession to ask).
    default_options: Dict[str, str] = {}

    def __init__(self, options: Dict[str, str]):
        super().__init__(options)
        self._options = _connector_options(options)
        self._table = _table_name(self._options)
        if not any(k in self._options for k in _SIZING_OPTIONS):
            for key, value in self.default_options.items():
                self._options.setdefault(key, value)

    @classmethod
    def name(cls) -> str:
        return FORMAT_NAME

    def schema(self) -> StructType:
        connector = _connect(self._options)
        return _spark_schema(connector.get_table_schema(self._table, self._options))

    def reader(self, schema: StructType) -> DataSourceReader:
        return LanceflowBatchReader(self._options, self._table, schema)

    def streamReader(self, schema: StructType) -> DataSourceStreamReader:
        return LanceflowStreamReader(self._options, self._table, schema)


# Options that size batch partitions: one given by the reader turns the session default off.
_SIZING_OPTIONS = ("partition_rows", "target_partitions")


def _default_parallelism(spark) -> Optional[int]:
    """The session's default parallelism (cores of a local or static cluster), or None when the
    session cannot tell (Spark Connect has no SparkContext)."""
    try:
        value = int(spark.sparkContext.defaultParallelism)
    except Exception:  # noqa: BLE001 - Spark Connect raises its own not-supported errors
        return None
    return value if value >= 1 else None


def register(spark) -> bool:
    """Registers the ``lanceflow`` format with a SparkSession (needs PySpark 4.0 or later).

    Batch reads of local tables default ``target_partitions`` to the session's
    ``defaultParallelism`` (one partition per core: every Python task has a fixed cost, so more,
    smaller partitions are slower); ``.option("partition_rows", ...)`` or
    ``.option("target_partitions", ...)`` given by the reader wins.

    When the JVM data source (``lanceflow-spark.jar``, see ``lanceflow.jvm``) is on the session's
    class path it already serves the format ``lanceflow`` (Spark refuses a second source of the
    same name), so nothing is registered; returns whether the Python source was registered."""
    from lanceflow import jvm
    if jvm.available(spark):
        return False
    parallelism = _default_parallelism(spark)
    if parallelism is None:
        spark.dataSource.register(LanceflowDataSource)
        return True
    # A subclass carrying the value: Spark pickles the class (with its attributes) to the
    # Python workers that instantiate it.
    source = type("LanceflowSessionDataSource", (LanceflowDataSource,),
                  {"default_options": {"target_partitions": str(parallelism)}})
    spark.dataSource.register(source)
    return True


__all__: List[str] = [
    "FORMAT_NAME",
    "LanceflowDataSource",
    "LanceflowBatchReader",
    "LanceflowStreamReader",
    "LanceflowPartition",
    "LanceflowError",
    "register",
]
