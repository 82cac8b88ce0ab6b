package io.lanceflow.spark;

import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;
import org.apache.spark.sql.connector.read.streaming.ReadMaxRows;
import org.apache.spark.sql.connector.read.streaming.SupportsTriggerAvailableNow;
import org.apache.spark.sql.types.StructType;

/**
 * Micro-batches over the connector's offsets. The first offset is {@code {}}. With the option
 * {@code max_records_per_batch} (admission control) each micro-batch ends where one step of the
 * connector's {@code latestOffset} ends, so it holds at most that many records; without it the
 * latest offset follows the connector's steps until two consecutive offsets agree and one
 * micro-batch takes everything available. Each micro-batch (start, end] is read in the
 * connector's stream partitions.
 *
 * <p>Every call opens a fresh connector, so a long-running query sees new table versions; after
 * {@link #prepareForTriggerAvailableNow} one connector is kept for the stream's life: it pins the
 * table versions it saw first, so the query reads what was there when it started and terminates.
 */
final class LanceflowMicroBatchStream implements MicroBatchStream, SupportsTriggerAvailableNow {
  // Each step scans the cursor column after its start; the largest step the connector accepts
  // means the fewest scans (the end offset of a micro-batch does not depend on the step).
  private static final String STEP_RECORDS = "1000000";
  private static final int MAX_STEPS = 100_000;

  private final StructType readSchema;
  private final Options options;
  private Connector pinned;  // set for Trigger.AvailableNow

  LanceflowMicroBatchStream(StructType readSchema, Options options) {
    this.readSchema = readSchema;
    this.options = options;
  }

  @Override
  public Offset initialOffset() {
    return LanceflowOffset.START;
  }

  @Override
  public Offset deserializeOffset(String json) {
    return new LanceflowOffset(json);
  }

  @Override
  public void prepareForTriggerAvailableNow() {
    if (pinned == null) pinned = new Connector(options);
  }

  @Override
  public Offset latestOffset() {
    throw new UnsupportedOperationException(
        "lanceflow data source: latestOffset needs the start offset");
  }

  @Override
  public ReadLimit getDefaultReadLimit() {
    String v = options.get("max_records_per_batch");
    if (v != null) {
      try {
        long n = Long.parseLong(v.trim());
        if (n > 0) return ReadLimit.maxRows(n);
      } catch (NumberFormatException e) {
        // The connector names the bad value when it reads the option.
      }
    }
    return ReadLimit.allAvailable();
  }

  @Override
  public Offset latestOffset(Offset start, ReadLimit limit) {
    String from = start == null ? "{}" : start.json();
    Connector c = pinned != null ? pinned : new Connector(options);
    try {
      if (limit instanceof ReadMaxRows) {
        long rows = ((ReadMaxRows) limit).maxRows();
        Options step = options.with("max_records_per_batch", Long.toString(rows));
        return new LanceflowOffset(c.latestOffset(step, from));
      }
      Options step = options.with("max_records_per_batch", STEP_RECORDS);
      for (int i = 0; i < MAX_STEPS; ++i) {
        String end = new LanceflowOffset(c.latestOffset(step, from)).json();
        if (end.equals(from)) return new LanceflowOffset(from);
        from = end;
      }
    } finally {
      if (c != pinned) c.close();
    }
    throw new LanceflowException("lanceflow data source: table '" + options.table()
        + "': the connector's offsets did not converge within " + MAX_STEPS + " steps");
  }

  @Override
  public InputPartition[] planInputPartitions(Offset start, Offset end) {
    String from = start == null ? "{}" : start.json();
    String to = end.json();
    if (from.equals(to)) return new InputPartition[0];
    String[] descriptors;
    Connector c = pinned != null ? pinned : new Connector(options);
    try {
      descriptors = c.streamPartitions(options, from, to);
    } finally {
      if (c != pinned) c.close();
    }
    return LanceflowInputPartition.of(descriptors);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new LanceflowReaderFactory(readSchema, options);
  }

  @Override
  public void commit(Offset end) {
    // The offsets live in Spark's checkpoint only.
  }

  @Override
  public void stop() {
    if (pinned != null) {
      pinned.close();
      pinned = null;
    }
  }
}
