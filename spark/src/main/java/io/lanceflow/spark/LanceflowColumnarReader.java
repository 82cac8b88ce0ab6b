package io.lanceflow.spark;

import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * One partition's batches. Each batch's columns are the native reader's Arrow buffers, read in
 * place: a batch stays valid until the next call to {@link #next} (Spark's contract for columnar
 * readers), which releases it.
 */
final class LanceflowColumnarReader implements PartitionReader<ColumnarBatch> {
  private Connector connector;
  private long reader;
  private final ArrowCVector[] vectors;
  private final ColumnarBatch batch;
  private boolean done;

  LanceflowColumnarReader(StructType readSchema, Options options, String descriptor) {
    connector = new Connector(options);
    try {
      reader = NativeBridge.openPartition(
          connector.handle(), connector.table, options.flat(), descriptor);
      long schema = NativeBridge.readerSchema(reader);
      StructField[] fields = readSchema.fields();
      vectors = new ArrowCVector[fields.length];
      for (int i = 0; i < fields.length; ++i) {
        vectors[i] = ArrowCVector.forColumn(schema, fields[i]);
      }
      batch = new ColumnarBatch(vectors.length == 0 ? new ColumnVector[0] : vectors);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public boolean next() {
    if (done) return false;
    long array = NativeBridge.readerNext(reader);
    if (array == 0) {
      done = true;
      return false;
    }
    int rows = ArrowCVector.bindColumns(array, vectors);
    batch.setNumRows(rows);
    return true;
  }

  @Override
  public ColumnarBatch get() {
    return batch;
  }

  @Override
  public void close() {
    if (reader != 0) {
      NativeBridge.readerClose(reader);
      reader = 0;
    }
    if (connector != null) {
      connector.close();
      connector = null;
    }
  }
}
