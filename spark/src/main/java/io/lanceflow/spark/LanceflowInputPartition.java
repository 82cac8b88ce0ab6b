package io.lanceflow.spark;

import org.apache.spark.sql.connector.read.InputPartition;

/** One connector partition: its self-contained JSON descriptor (table, version, rows). */
final class LanceflowInputPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  final String descriptor;

  LanceflowInputPartition(String descriptor) {
    this.descriptor = descriptor;
  }

  @Override
  public String toString() {
    return "LanceflowInputPartition(" + descriptor + ")";
  }
}
