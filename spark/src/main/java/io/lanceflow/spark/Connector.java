package io.lanceflow.spark;

/** A native connector (an opened source with its pinned table versions); close it once. */
final class Connector implements AutoCloseable {
  private long handle;
  final Options options;
  final String table;

  Connector(Options options) {
    options.registerSecrets();
    this.options = options;
    this.table = options.table();
    this.handle = NativeBridge.connect(options.flat());
  }

  long handle() {
    if (handle == 0) throw new LanceflowException("lanceflow: the connector is closed");
    return handle;
  }

  String tableSchema() {
    return NativeBridge.tableSchema(handle(), table, options.flat());
  }

  String[] partitions(Options readOptions) {
    return NativeBridge.partitions(handle(), table, readOptions.flat());
  }

  String latestOffset(Options readOptions, String start) {
    return NativeBridge.latestOffset(handle(), table, readOptions.flat(), start);
  }

  String[] streamPartitions(Options readOptions, String start, String end) {
    return NativeBridge.streamPartitions(handle(), table, readOptions.flat(), start, end);
  }

  @Override
  public void close() {
    if (handle != 0) {
      NativeBridge.disconnect(handle);
      handle = 0;
    }
  }
}
