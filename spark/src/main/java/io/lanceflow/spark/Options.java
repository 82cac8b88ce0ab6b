package io.lanceflow.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The data source options as the connector takes them: one string map holding the connection
 * keys ({@code source}, {@code api_key}...) and the table options ({@code columns},
 * {@code ingestion_type}...). Keys are lower case (Spark's option names are case-insensitive; the
 * connector's are lower case). Values are never logged or put into messages.
 */
final class Options implements Serializable {
  private static final long serialVersionUID = 1L;

  private final TreeMap<String, String> values;

  Options(Map<String, String> raw) {
    values = new TreeMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      if (e.getKey() != null && e.getValue() != null) {
        values.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
      }
    }
  }

  private Options(TreeMap<String, String> values) {
    this.values = values;
  }

  String get(String key) {
    return values.get(key);
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  Options with(String key, String value) {
    TreeMap<String, String> copy = new TreeMap<>(values);
    copy.put(key, value);
    return new Options(copy);
  }

  Map<String, String> asMap() {
    return Collections.unmodifiableMap(values);
  }

  /** The table name: option {@code table}, or {@code tableName} (the framework's spelling). */
  String table() {
    String t = values.get("table");
    if (t == null || t.isEmpty()) t = values.get("tablename");
    if (t == null || t.isEmpty()) {
      throw new LanceflowException("lanceflow data source: option 'table' is required");
    }
    return t;
  }

  String[] flat() {
    List<String> out = new ArrayList<>(values.size() * 2);
    for (Map.Entry<String, String> e : values.entrySet()) {
      out.add(e.getKey());
      out.add(e.getValue());
    }
    return out.toArray(new String[0]);
  }

  /** Registers the API key as a secret so no native message can print it. */
  void registerSecrets() {
    String key = values.get("api_key");
    if (key != null && !key.isEmpty()) NativeBridge.registerSecret(key);
  }
}
