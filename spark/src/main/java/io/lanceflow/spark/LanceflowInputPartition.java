package io.lanceflow.spark;

import org.apache.spark.sql.connector.read.InputPartition;

/** One connector partition: its self-contained JSON descriptor (table, version, rows). */
final class LanceflowInputPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  final String descriptor;

  LanceflowInputPartition(String descriptor) {
    this.descriptor = descriptor;
  }

  static InputPartition[] of(String[] descriptors) {
    InputPartition[] out = new InputPartition[descriptors.length];
    for (int i = 0; i < descriptors.length; ++i) out[i] = new LanceflowInputPartition(descriptors[i]);
    return out;
  }

  @Override
  public String toString() {
    return "LanceflowInputPartition(" + descriptor + ")";
  }
}
