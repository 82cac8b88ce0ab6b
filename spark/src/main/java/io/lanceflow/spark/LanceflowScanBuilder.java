package io.lanceflow.spark;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.StructType;

/**
 * Column pruning: the connector reads only the top-level columns the query needs (through its
 * {@code columns} option) plus the key and cursor columns incremental reads order by. A query
 * that needs no column (count(*)) reads the narrowest one and hands Spark batches without
 * columns.
 */
final class LanceflowScanBuilder implements ScanBuilder, SupportsPushDownRequiredColumns {
  private final StructType tableSchema;
  private final Options options;
  private StructType required;

  LanceflowScanBuilder(StructType tableSchema, Options options) {
    this.tableSchema = tableSchema;
    this.options = options;
    this.required = tableSchema;
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    this.required = requiredSchema;
  }

  @Override
  public Scan build() {
    Set<String> wanted = new HashSet<>();
    for (StructField f : required.fields()) wanted.add(f.name());
    if (wanted.size() == tableSchema.fields().length) {
      return new LanceflowScan(tableSchema, tableSchema, options);
    }
    // Columns the connector needs to order incremental reads stay (they are also valid
    // `columns` entries: top-level names).
    for (String option : new String[] {"cursor_field", "primary_keys"}) {
      String v = options.get(option);
      if (v == null) continue;
      for (String path : splitNames(v)) wanted.add(firstPart(path));
    }
    List<StructField> read = new ArrayList<>();
    for (StructField f : tableSchema.fields()) {
      if (wanted.contains(f.name())) read.add(f);
    }
    StructType readSchema = new StructType(read.toArray(new StructField[0]));
    StructField carrier = null;
    if (read.isEmpty()) {
      carrier = narrowest(tableSchema);
      if (carrier == null) return new LanceflowScan(tableSchema, tableSchema, options);
      read.add(carrier);
    }
    StringBuilder columns = new StringBuilder("[");
    for (int i = 0; i < read.size(); ++i) {
      if (i > 0) columns.append(',');
      columns.append(jsonString(quoted(read.get(i).name())));
    }
    columns.append(']');
    return new LanceflowScan(
        tableSchema, readSchema, options.with("columns", columns.toString()));
  }

  /**
   * The cheapest column to decode: a fixed-width one (the smallest), else a string or binary one,
   * else the first nested one.
   */
  private static StructField narrowest(StructType schema) {
    StructField best = null;
    long bestCost = Long.MAX_VALUE;
    for (StructField f : schema.fields()) {
      DataType t = f.dataType();
      long cost;
      if (t instanceof NumericType || t instanceof BooleanType || t instanceof DateType
          || t instanceof TimestampType) {
        cost = t.defaultSize();
      } else if (t instanceof StringType || t instanceof BinaryType) {
        cost = 1_000;
      } else {
        cost = 1_000_000;
      }
      if (cost < bestCost) {
        best = f;
        bestCost = cost;
      }
    }
    return best;
  }

  /** A name list option: a JSON list of strings or comma-separated names (as the connector). */
  static List<String> splitNames(String text) {
    List<String> out = new ArrayList<>();
    String t = text.trim();
    if (t.startsWith("[")) {
      // Only plain names are needed here: the connector validates the option itself.
      StringBuilder cur = null;
      for (int i = 1; i < t.length(); ++i) {
        char c = t.charAt(i);
        if (cur == null) {
          if (c == '"') cur = new StringBuilder();
        } else if (c == '\\' && i + 1 < t.length()) {
          cur.append(t.charAt(++i));
        } else if (c == '"') {
          out.add(cur.toString());
          cur = null;
        } else {
          cur.append(c);
        }
      }
    } else if (!t.isEmpty()) {
      for (String part : t.split(",")) out.add(part.trim());
    }
    return out;
  }

  /** A column path's top-level field name: `a`.b, "a".b and a.b all give a. */
  static String firstPart(String path) {
    String p = path.trim();
    if (p.isEmpty() || (p.charAt(0) != '`' && p.charAt(0) != '"')) {
      int dot = p.indexOf('.');
      return (dot < 0 ? p : p.substring(0, dot)).trim();
    }
    char q = p.charAt(0);
    StringBuilder b = new StringBuilder();
    for (int i = 1; i < p.length(); ++i) {
      char c = p.charAt(i);
      if (c == q) {
        if (i + 1 < p.length() && p.charAt(i + 1) == q) {
          b.append(q);
          ++i;
        } else {
          break;
        }
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** A field name as one quoted column-path part (the connector's `columns` syntax). */
  static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); ++i) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
