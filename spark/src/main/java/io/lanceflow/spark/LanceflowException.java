package io.lanceflow.spark;

/** A lanceflow error: the one-line message the lanceflow CLI prints, secrets redacted. */
public class LanceflowException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LanceflowException(String message) {
    super(message);
  }
}
