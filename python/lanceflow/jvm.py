"""The JVM data source: ``lanceflow-spark.jar``, Spark's DataSource V2 format ``lanceflow``.

The jar holds the Java classes and the native reader (``liblanceflow_jni.so``); Spark executors
read partitions inside the JVM as columnar batches over the Arrow C Data Interface, with no
Python worker on the path. Put it on the session's class path when the session is built::

    import lanceflow.jvm
    spark = (SparkSession.builder
             .config("spark.jars", lanceflow.jvm.jar_path())
             .getOrCreate())
    df = spark.read.format("lanceflow").option("source", "/data/lancedb").option("table", "t").load()

It needs no PySpark version of its own (Spark 3.5 and 4.0, Java 17). Without it on the class
path, ``lanceflow.spark.register(spark)`` provides the same format as a Python data source.
"""

from __future__ import annotations

import os

JAR_NAME = "lanceflow-spark.jar"
DATA_SOURCE_CLASS = "io.lanceflow.spark.LanceflowDataSource"


def jar_path() -> str:
    """The absolute path of the installed ``lanceflow-spark.jar``.

    Raises FileNotFoundError when the package was built without it (no JDK or no pyspark at
    build time)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jars", JAR_NAME)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"lanceflow: {path} is missing: the package was built without the Spark JVM data "
            f"source (it needs a JDK 17 and pyspark when `pip install ./python` runs)")
    return path


def available(spark) -> bool:
    """Whether the JVM data source is on `spark`'s class path."""
    try:
        loader = spark._jvm.java.lang.Thread.currentThread().getContextClassLoader()
        spark._jvm.java.lang.Class.forName(DATA_SOURCE_CLASS, False, loader)
        return True
    except Exception:  # py4j raises its own error types for a missing class
        return False


__all__ = ["JAR_NAME", "DATA_SOURCE_CLASS", "jar_path", "available"]
