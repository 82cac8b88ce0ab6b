package io.lanceflow.spark;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.types.StructType;

final class LanceflowScan implements Scan, Batch {
  private final StructType tableSchema;
  private final StructType readSchema;
  private final Options options;

  LanceflowScan(StructType tableSchema, StructType readSchema, Options options) {
    this.tableSchema = tableSchema;
    this.readSchema = readSchema;
    this.options = options;
  }

  @Override
  public StructType readSchema() {
    return readSchema;
  }

  @Override
  public String description() {
    return "lanceflow table " + options.table() + " (" + readSchema.fields().length + " of "
        + tableSchema.fields().length + " columns)";
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  @Override
  public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
    return new LanceflowMicroBatchStream(readSchema, options);
  }

  /**
   * The options a read plans with: unless {@code partition_rows} or {@code target_partitions} is
   * given, batch partitions are sized to spread the table over Spark's default parallelism.
   */
  static Options planningOptions(Options options) {
    if (options.has("partition_rows") || options.has("target_partitions")) return options;
    SparkSession session = SparkSession.getActiveSession().isDefined()
        ? SparkSession.getActiveSession().get() : null;
    if (session == null) return options;
    int parallelism = session.sparkContext().defaultParallelism();
    return parallelism > 0 ? options.with("target_partitions", Integer.toString(parallelism))
                           : options;
  }

  @Override
  public InputPartition[] planInputPartitions() {
    Options plan = planningOptions(options);
    String[] descriptors;
    try (Connector c = new Connector(plan)) {
      descriptors = c.partitions(plan);
    }
    return LanceflowInputPartition.of(descriptors);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new LanceflowReaderFactory(readSchema, options);
  }
}
