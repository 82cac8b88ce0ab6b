package io.lanceflow.spark;

import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * {@code spark.read.format("lanceflow")}: LanceDB tables (local directories or LanceDB Cloud)
 * read by lanceflow's native reader inside the JVM, as columnar batches over the Arrow C Data
 * Interface, with no Python worker on the path. Batch reads plan one Spark partition per connector
 * partition; streaming reads ({@code Trigger.AvailableNow} included) follow the connector's
 * offsets.
 *
 * <p>Options: {@code table}, {@code source} (a directory or {@code db://PROJECT}), the connection
 * keys ({@code api_key}, {@code region}, {@code host_override}...) and the connector's table
 * options ({@code columns}, {@code filter_expression}, {@code ingestion_type},
 * {@code cursor_field}, {@code primary_keys}, {@code batch_size}, {@code partition_rows},
 * {@code target_partitions}...), exactly as the Python connector takes them.
 */
public final class LanceflowDataSource implements TableProvider, DataSourceRegister {
  @Override
  public String shortName() {
    return "lanceflow";
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    Options o = new Options(options);
    try (Connector c = new Connector(o)) {
      return schemaOf(c.tableSchema());
    }
  }

  static StructType schemaOf(String json) {
    DataType t = DataType.fromJson(json);
    if (!(t instanceof StructType)) {
      throw new LanceflowException("lanceflow data source: the table schema is not a struct");
    }
    return (StructType) t;
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return new LanceflowTable(schema, new Options(properties));
  }
}
