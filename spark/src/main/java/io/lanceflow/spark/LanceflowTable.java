package io.lanceflow.spark;

import java.util.EnumSet;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

final class LanceflowTable implements SupportsRead {
  static final String DEFAULT_BATCH_SIZE = "10000";

  private final StructType schema;
  private final Options options;

  LanceflowTable(StructType schema, Options options) {
    this.schema = schema;
    this.options = options;
  }

  @Override
  public String name() {
    return "lanceflow." + options.table();
  }

  @Override
  @SuppressWarnings("deprecation")
  public StructType schema() {
    return schema;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_READ, TableCapability.MICRO_BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap scanOptions) {
    Options merged = options;
    for (java.util.Map.Entry<String, String> e : scanOptions.entrySet()) {
      merged = merged.with(e.getKey(), e.getValue());
    }
    // Columnar batches: the connector's largest batch unless the options say otherwise (its
    // default, 1,000 rows, suits row-by-row consumers).
    if (!merged.has("batch_size")) merged = merged.with("batch_size", DEFAULT_BATCH_SIZE);
    return new LanceflowScanBuilder(schema, merged);
  }
}
