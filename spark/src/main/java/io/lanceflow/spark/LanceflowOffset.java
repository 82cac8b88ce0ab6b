package io.lanceflow.spark;

import org.apache.spark.sql.connector.read.streaming.Offset;

/** A connector offset: its JSON text, as the connector writes it (keys in a fixed order). */
final class LanceflowOffset extends Offset {
  static final LanceflowOffset START = new LanceflowOffset("{}");

  private final String json;

  LanceflowOffset(String json) {
    this.json = json == null || json.trim().isEmpty() || json.trim().equals("null")
        ? "{}" : json;
  }

  @Override
  public String json() {
    return json;
  }
}
