"""The documented Arrow -> Spark type mapping (include/lanceflow/connect/spark_schema.h), computed
from pyarrow types independently of lanceflow, as Spark's JSON schema and as its simpleString.

Every integer -> long; float16/float32 -> float; double -> double; boolean -> boolean; strings
(also dictionary-encoded) -> string; binaries (also fixed-size) -> binary; date32/date64 -> date;
timestamps of every unit and zone -> timestamp; decimal128 -> decimal(p,s); lists, large lists and
fixed-size lists -> array; struct -> struct.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

import pyarrow as pa


def spark_json_type(t: pa.DataType, unmapped: Optional[str] = None) -> Any:
    """The Spark JSON type of `t`: a type name, or an array/struct object. A type the mapping does
    not document (here or nested) becomes `unmapped` when given, else raises ValueError."""
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        return "long"
    if pa.types.is_float16(t) or pa.types.is_float32(t):
        return "float"
    if pa.types.is_float64(t):
        return "double"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return "binary"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_decimal128(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return {"type": "array", "elementType": spark_json_type(t.value_type, unmapped),
                "containsNull": t.value_field.nullable}
    if pa.types.is_struct(t):
        return spark_struct([t.field(i) for i in range(t.num_fields)], unmapped)
    if pa.types.is_dictionary(t):
        return spark_json_type(t.value_type, unmapped)
    if unmapped is not None:
        return unmapped
    raise ValueError(f"no documented Spark mapping for {t}")


def spark_struct(fields: Iterable[pa.Field], unmapped: Optional[str] = None) -> Dict[str, Any]:
    """The Spark JSON struct type of Arrow fields (a schema's top level)."""
    return {"type": "struct", "fields": [{"name": f.name, "type": spark_json_type(f.type, unmapped),
                                          "nullable": f.nullable, "metadata": {}}
                                         for f in fields]}


def simple_string(spark_type: Any) -> str:
    """Spark's DataType.simpleString of a Spark JSON type ("long" is "bigint")."""
    if isinstance(spark_type, str):
        return "bigint" if spark_type == "long" else spark_type
    if spark_type["type"] == "array":
        return f"array<{simple_string(spark_type['elementType'])}>"
    if spark_type["type"] == "struct":
        return "struct<" + ",".join(f"{f['name']}:{simple_string(f['type'])}"
                                    for f in spark_type["fields"]) + ">"
    raise ValueError(f"not a Spark JSON type: {spark_type!r}")
