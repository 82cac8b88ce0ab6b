"""lanceflow for Python: the LakeflowConnect connector over LanceDB tables (local Lance datasets and
LanceDB Cloud), implemented by lanceflow's C++ connect layer. Importable without Spark.

    from lanceflow import LakeflowConnect
    conn = LakeflowConnect({"source": "/data/lancedb"})
    records, offset = conn.read_table("events", {}, {"cursor_field": "ts", "ingestion_type": "append"})
"""

from lanceflow.connector import LakeflowConnect, LanceDBLakeflowConnect
from lanceflow.errors import (AuthenticationError, CorruptDataError, InvalidArgumentError,
                              LanceflowError, NotFoundError, NotSupportedError, SourceIOError)

__all__ = [
    "LakeflowConnect", "LanceDBLakeflowConnect", "LanceflowError", "InvalidArgumentError",
    "NotFoundError", "NotSupportedError", "AuthenticationError", "SourceIOError",
    "CorruptDataError",
]
__version__ = "0.1.0"
