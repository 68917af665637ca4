package io.lsmstore;

import java.util.Objects;

/**
 * The outcome of a failed engine call: a canonical code and a message. The engine's C++ API
 * reports errors as {@code absl::Status}; this is its Java image, carried by {@link
 * LsmException}.
 *
 * <p>Thread safety: immutable.
 */
public final class Status {
  /**
   * Canonical status codes, with the numbers of {@code absl::StatusCode} (frozen: they cross the
   * JNI boundary as ints). The engine uses these meanings (DESIGN.md):
   *
   * <ul>
   *   <li>{@link #NOT_FOUND}: the key is absent (reads return null or -1 instead of throwing);
   *   <li>{@link #INVALID_ARGUMENT}: bad input (oversized key or value, bad option, bad path);
   *   <li>{@link #DATA_LOSS}: corruption detected (checksum, framing, format);
   *   <li>{@link #FAILED_PRECONDITION}: the store is locked by another process or by an open
   *       {@link LsmStore} in this one, or it exists and {@code errorIfExists} was set;
   *   <li>{@link #RESOURCE_EXHAUSTED}: the disk is full;
   *   <li>{@link #UNAVAILABLE}, {@link #INTERNAL}: an I/O error.
   * </ul>
   */
  public enum Code {
    OK(0),
    CANCELLED(1),
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    DEADLINE_EXCEEDED(4),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    FAILED_PRECONDITION(9),
    ABORTED(10),
    OUT_OF_RANGE(11),
    UNIMPLEMENTED(12),
    INTERNAL(13),
    UNAVAILABLE(14),
    DATA_LOSS(15),
    UNAUTHENTICATED(16);

    private static final Code[] BY_VALUE = values();

    private final int value;

    Code(int value) {
      this.value = value;
    }

    /** The absl::StatusCode number. */
    public int value() {
      return value;
    }

    /** The code with this number; {@link #UNKNOWN} for a number this version does not know. */
    public static Code fromValue(int value) {
      if (value >= 0 && value < BY_VALUE.length && BY_VALUE[value].value == value) {
        return BY_VALUE[value];
      }
      return UNKNOWN;
    }
  }

  private final Code code;
  private final int rawCode;
  private final String message;

  public Status(Code code, String message) {
    this(Objects.requireNonNull(code, "code").value(), message);
  }

  Status(int rawCode, String message) {
    this.code = Code.fromValue(rawCode);
    this.rawCode = rawCode;
    this.message = message == null ? "" : message;
  }

  public Code code() {
    return code;
  }

  /** The numeric code as the engine reported it (differs from {@code code().value()} only for
   * a code newer than this API, which maps to UNKNOWN). */
  public int rawCode() {
    return rawCode;
  }

  public String message() {
    return message;
  }

  public boolean isOk() {
    return code == Code.OK;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Status
        && ((Status) o).rawCode == rawCode
        && ((Status) o).message.equals(message);
  }

  @Override
  public int hashCode() {
    return 31 * rawCode + message.hashCode();
  }

  @Override
  public String toString() {
    return message.isEmpty() ? code.name() : code.name() + ": " + message;
  }
}
