package io.lsmstore;

import java.util.Objects;

/**
 * An error reported by the engine, with its {@link Status} (code and message).
 *
 * <p>Unchecked: see java/README.md, "Errors", for why. The codes worth handling are few and
 * documented on {@link Status.Code}; a caller that cares catches this and switches on {@link
 * #code()}.
 *
 * <p>Misuse is not reported with this class: a null argument throws {@link
 * NullPointerException}, a closed object {@link IllegalStateException}, a bad range {@link
 * IndexOutOfBoundsException}, as everywhere in Java.
 */
public class LsmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The engine's error: its code and message. */
  private final Status status;

  /**
   * An exception carrying an engine status.
   *
   * @param status the error; its text becomes the message
   */
  public LsmException(Status status) {
    super(Objects.requireNonNull(status, "status").toString());
    this.status = status;
  }

  /** Thrown by liblsmjni (the signature is bound by name from native code: keep it). */
  LsmException(int code, String message) {
    this(new Status(code, message));
  }

  /**
   * The engine's status.
   *
   * @return the code and message
   */
  public Status status() {
    return status;
  }

  /**
   * The canonical code, {@code status().code()}.
   *
   * @return the code
   */
  public Status.Code code() {
    return status.code();
  }
}
