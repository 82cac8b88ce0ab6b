package io.lanceflow.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The native connect layer (liblanceflow_jni.so, built from spark/native/lanceflow_jni.cc).
 *
 * <p>The library is loaded once per JVM: from the path in the system property
 * {@code lanceflow.native.library} when set, else from the copy packed inside this jar (extracted
 * to a temporary file). Every native method throws {@link LanceflowException} on failure.
 *
 * <p>Options travel as a flat array {@code key0, value0, key1, value1, ...}. Handles are native
 * pointers: a connector from {@link #connect}, readers from {@link #openPartition}; each must be
 * closed exactly once.
 */
final class NativeBridge {
  private static final String RESOURCE = "/io/lanceflow/spark/native/liblanceflow_jni.so";

  static {
    load();
  }

  private NativeBridge() {}

  private static void load() {
    String explicit = System.getProperty("lanceflow.native.library");
    if (explicit != null && !explicit.isEmpty()) {
      System.load(explicit);
      return;
    }
    try (InputStream in = NativeBridge.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new UnsatisfiedLinkError(
            "lanceflow: " + RESOURCE + " is not in the jar (build it with pip install ./python)");
      }
      Path file = Files.createTempFile("liblanceflow_jni", ".so");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      System.load(file.toAbsolutePath().toString());
    } catch (IOException e) {
      throw new UnsatisfiedLinkError("lanceflow: cannot extract the native library: " + e);
    }
  }

  /** Ensures the library is loaded (the class initialiser does the work). */
  static void ensureLoaded() {}

  static native long connect(String[] options);

  static native void disconnect(long connector);

  /** Spark's StructType JSON of the table's columns as the options select them. */
  static native String tableSchema(long connector, String table, String[] options);

  /** Self-contained JSON descriptors of the partitions of the pinned version. */
  static native String[] partitions(long connector, String table, String[] options);

  static native String latestOffset(long connector, String table, String[] options, String start);

  static native String[] streamPartitions(
      long connector, String table, String[] options, String start, String end);

  static native long openPartition(
      long connector, String table, String[] options, String descriptor);

  /** Address of the reader's ArrowSchema (a struct of the columns), valid until readerClose. */
  static native long readerSchema(long reader);

  /** Address of the next non-empty batch's ArrowArray, valid until the next call; 0 at the end. */
  static native long readerNext(long reader);

  static native void readerClose(long reader);

  static native void registerSecret(String secret);
}
