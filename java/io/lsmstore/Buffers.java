package io.lsmstore;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

/**
 * How the ByteBuffer variants reach the native side when their bytes do not fit the calling
 * thread's {@link Scratch} buffer (smaller ones are copied through it): direct buffers go by
 * address (no copy); heap buffers by their backing array; read-only heap buffers, whose array is
 * hidden, by a copy.
 *
 * <p>Convention of the public API: an input buffer's remaining bytes ({@code position} to
 * {@code limit}) are read and its position is left unchanged; an output buffer receives bytes at
 * its position, which then advances by the number of bytes written.
 */
final class Buffers {
  private Buffers() {}

  /** An array slice standing for an input buffer's remaining bytes. */
  static final class Slice {
    final byte[] array;
    final int offset;
    final int length;

    Slice(byte[] array, int offset, int length) {
      this.array = array;
      this.offset = offset;
      this.length = length;
    }
  }

  /** The remaining bytes of any buffer as an array slice (a copy only when unavoidable). */
  static Slice slice(ByteBuffer b) {
    int position = b.position();
    int length = b.limit() - position;
    if (b.hasArray()) {
      return new Slice(b.array(), b.arrayOffset() + position, length);
    }
    byte[] copy = new byte[length];
    b.get(position, copy, 0, length);
    return new Slice(copy, 0, length);
  }

  /** Throws ReadOnlyBufferException for a buffer that cannot receive output. */
  static void checkWritable(ByteBuffer out) {
    if (out.isReadOnly()) {
      throw new ReadOnlyBufferException();
    }
  }

  /**
   * After {@code fullLength} bytes were offered to {@code out} starting at its position (and
   * min(fullLength, remaining) written), advances the position past what was written.
   */
  static void advance(ByteBuffer out, int fullLength) {
    if (fullLength > 0) {
      out.position(out.position() + Math.min(fullLength, out.remaining()));
    }
  }

  /** Copies the first min(value.length, out.remaining()) bytes of value into out, advancing it. */
  static void copyInto(byte[] value, ByteBuffer out) {
    int n = Math.min(value.length, out.remaining());
    out.put(value, 0, n);
  }
}
