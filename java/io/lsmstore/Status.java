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
    /** Success (never carried by an exception). */
    OK(0),
    /** The operation was cancelled. */
    CANCELLED(1),
    /** An unknown error, or a code newer than this API. */
    UNKNOWN(2),
    /** Bad input: an oversized key or value, a bad option, a bad path. */
    INVALID_ARGUMENT(3),
    /** A deadline passed before the operation finished. */
    DEADLINE_EXCEEDED(4),
    /** The key is absent. */
    NOT_FOUND(5),
    /** What was to be created exists already. */
    ALREADY_EXISTS(6),
    /** The caller may not do this (for instance, a file's permissions). */
    PERMISSION_DENIED(7),
    /** A resource ran out: the disk is full. */
    RESOURCE_EXHAUSTED(8),
    /** The store is locked, or exists and {@code errorIfExists} was set. */
    FAILED_PRECONDITION(9),
    /** The operation was aborted. */
    ABORTED(10),
    /** A value lies outside its valid range. */
    OUT_OF_RANGE(11),
    /** The operation is not supported. */
    UNIMPLEMENTED(12),
    /** An internal error: an I/O error or a broken invariant. */
    INTERNAL(13),
    /** An I/O error the operation cannot get past. */
    UNAVAILABLE(14),
    /** Corruption detected: a checksum, framing or format error. */
    DATA_LOSS(15),
    /** The caller is not authenticated. */
    UNAUTHENTICATED(16);

    private static final Code[] BY_VALUE = values();

    private final int value;

    Code(int value) {
      this.value = value;
    }

    /**
     * The absl::StatusCode number.
     *
     * @return the number, frozen per code
     */
    public int value() {
      return value;
    }

    /**
     * The code with a number.
     *
     * @param value an absl::StatusCode number
     * @return the code, or {@link #UNKNOWN} for a number this version does not know
     */
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

  /**
   * A status with a code and a message.
   *
   * @param code the canonical code
   * @param message what went wrong; null is taken as empty
   */
  public Status(Code code, String message) {
    this(Objects.requireNonNull(code, "code").value(), message);
  }

  Status(int rawCode, String message) {
    this.code = Code.fromValue(rawCode);
    this.rawCode = rawCode;
    this.message = message == null ? "" : message;
  }

  /**
   * The canonical code.
   *
   * @return the code ({@link Code#UNKNOWN} for a code newer than this API)
   */
  public Code code() {
    return code;
  }

  /**
   * The numeric code as the engine reported it.
   *
   * @return the number; it differs from {@code code().value()} only for a code newer than this
   *     API, which maps to UNKNOWN
   */
  public int rawCode() {
    return rawCode;
  }

  /**
   * The engine's message.
   *
   * @return the message, never null (empty when there is none)
   */
  public String message() {
    return message;
  }

  /**
   * Whether this is success.
   *
   * @return true for {@link Code#OK}
   */
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
