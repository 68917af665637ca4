package io.lsmstore;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Updates applied atomically by {@link LsmStore#write(WriteBatch)}: after a crash either all of
 * them are present or none.
 *
 * <p>The batch lives on the Java heap, already encoded in the engine's batch format (see
 * {@code engine/include/lsm/write_batch.h}):
 *
 * <pre>
 *   batch := sequence:u64le(0) count:u32le entry*
 *   entry := type:u8 (1 put, 0 delete, 2 range delete) key_len:u32le value_len:u32le key value
 * </pre>
 *
 * so building one makes no JNI call and owns no native memory, and {@code write} hands the bytes
 * to the engine in a single call, which copies them once, straight from the Java array into the
 * engine's batch. Limits (key at most 64 KiB, value at most 1 GiB) are checked by the engine
 * when the batch is written (INVALID_ARGUMENT).
 *
 * <p>Buffer reuse: {@link #close()} hands the batch's buffer (up to {@value #POOL_MAX} bytes) to
 * the closing thread, and the next batch created on that thread starts with it, so a thread that
 * builds, writes and closes a batch at a time allocates no buffer once the first has grown to
 * size. The buffer is held through a {@link SoftReference} (the garbage collector may take it
 * back under memory pressure), at most one per thread. A batch that is never closed just keeps
 * its buffer to itself; a closed batch throws IllegalStateException.
 *
 * <p>Thread safety: not thread-safe; a batch must not change while it is being written.
 */
public final class WriteBatch implements AutoCloseable {
  static final int HEADER_SIZE = 12;
  private static final int COUNT_OFFSET = 8;
  private static final byte TYPE_DELETION = 0;
  private static final byte TYPE_VALUE = 1;
  private static final byte TYPE_RANGE_DELETION = 2;
  private static final int ENTRY_OVERHEAD = 9; // type + key_len + value_len
  // Stay clear of the VM's array size limit.
  private static final int MAX_SIZE = Integer.MAX_VALUE - 16;
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  /** The largest buffer a closed batch leaves to its thread for the next one. */
  static final int POOL_MAX = 1 << 20;
  /** Growth never allocates less than this, so a growing batch does not copy a few bytes often. */
  private static final int MIN_GROWTH = 4096;
  private static final ThreadLocal<Spare> SPARE = ThreadLocal.withInitial(Spare::new);

  /** The buffer a closed batch left to its thread. Used by that thread only. */
  private static final class Spare {
    SoftReference<byte[]> ref;
    boolean available; // ref holds a buffer no open batch uses

    /** The spare buffer if there is one of at least {@code min} bytes; it is then taken. */
    byte[] take(int min) {
      if (!available) {
        return null;
      }
      byte[] b = ref.get();
      if (b == null || b.length < min) {
        return null;
      }
      available = false;
      return b;
    }

    void give(byte[] b) {
      if (b.length > POOL_MAX) {
        return;
      }
      if (available) {
        byte[] current = ref.get();
        if (current != null && current.length >= b.length) {
          return; // keep the larger one
        }
      }
      if (ref == null || ref.get() != b) {
        ref = new SoftReference<>(b);
      }
      available = true;
    }
  }

  private byte[] buf;
  private int size;
  private int count;

  /**
   * An empty batch with room for at least 256 encoded bytes (it grows as needed): the buffer a
   * batch closed on this thread left, if any, else a new one.
   */
  public WriteBatch() {
    this(256);
  }

  /**
   * An empty batch.
   *
   * @param initialCapacity room for at least this many encoded bytes at first (it grows as
   *     needed); the buffer a batch closed on this thread left is used when it is large enough
   * @throws IllegalArgumentException if {@code initialCapacity} is negative
   */
  public WriteBatch(int initialCapacity) {
    if (initialCapacity < 0) {
      throw new IllegalArgumentException("negative capacity " + initialCapacity);
    }
    int capacity = Math.max(HEADER_SIZE, initialCapacity);
    byte[] spare = SPARE.get().take(capacity);
    if (spare != null) {
      Arrays.fill(spare, 0, HEADER_SIZE, (byte) 0); // as a new array's: sequence 0, count 0
      buf = spare;
    } else {
      buf = new byte[capacity];
    }
    size = HEADER_SIZE;
  }

  /**
   * Adds an update setting {@code key} to {@code value}.
   *
   * @param key the key (copied)
   * @param value the value (copied)
   * @return this batch
   */
  public WriteBatch put(byte[] key, byte[] value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return put(key, 0, key.length, value, 0, value.length);
  }

  /**
   * Adds an update from array slices.
   *
   * @param key the array holding the key (copied)
   * @param keyOffset where the key starts in {@code key}
   * @param keyLength the key's length
   * @param value the array holding the value (copied)
   * @param valueOffset where the value starts in {@code value}
   * @param valueLength the value's length
   * @return this batch
   * @throws IndexOutOfBoundsException if a slice lies outside its array
   */
  public WriteBatch put(byte[] key, int keyOffset, int keyLength, byte[] value, int valueOffset,
      int valueLength) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.checkFromIndexSize(keyOffset, keyLength, key.length);
    Objects.checkFromIndexSize(valueOffset, valueLength, value.length);
    int at = reserveEntry(TYPE_VALUE, keyLength, valueLength);
    System.arraycopy(key, keyOffset, buf, at, keyLength);
    System.arraycopy(value, valueOffset, buf, at + keyLength, valueLength);
    return this;
  }

  /**
   * Adds an update from the remaining bytes of two buffers (any kind), leaving their positions
   * unchanged.
   *
   * @param key the key, from position to limit (copied)
   * @param value the value, from position to limit (copied)
   * @return this batch
   */
  public WriteBatch put(ByteBuffer key, ByteBuffer value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    int keyLength = key.remaining();
    int valueLength = value.remaining();
    int at = reserveEntry(TYPE_VALUE, keyLength, valueLength);
    key.get(key.position(), buf, at, keyLength);
    value.get(value.position(), buf, at + keyLength, valueLength);
    return this;
  }

  /**
   * Adds a deletion of {@code key}.
   *
   * @param key the key (copied)
   * @return this batch
   */
  public WriteBatch delete(byte[] key) {
    Objects.requireNonNull(key, "key");
    return delete(key, 0, key.length);
  }

  /**
   * Adds a deletion of a key given as an array slice.
   *
   * @param key the array holding the key (copied)
   * @param keyOffset where the key starts
   * @param keyLength the key's length
   * @return this batch
   * @throws IndexOutOfBoundsException if the slice lies outside the array
   */
  public WriteBatch delete(byte[] key, int keyOffset, int keyLength) {
    Objects.requireNonNull(key, "key");
    Objects.checkFromIndexSize(keyOffset, keyLength, key.length);
    int at = reserveEntry(TYPE_DELETION, keyLength, 0);
    System.arraycopy(key, keyOffset, buf, at, keyLength);
    return this;
  }

  /**
   * Adds a deletion of the remaining bytes of {@code key}, leaving its position unchanged.
   *
   * @param key the key, from position to limit (copied)
   * @return this batch
   */
  public WriteBatch delete(ByteBuffer key) {
    Objects.requireNonNull(key, "key");
    int keyLength = key.remaining();
    int at = reserveEntry(TYPE_DELETION, keyLength, 0);
    key.get(key.position(), buf, at, keyLength);
    return this;
  }

  /**
   * Adds a deletion of every key {@code k} with {@code from <= k < to} (unsigned bytewise order),
   * as one entry however many keys the range holds; the updates added after it in this batch
   * are applied after it. An empty range removes nothing.
   *
   * @param from the first key of the range (copied)
   * @param to the key after the range (copied)
   * @return this batch
   * @throws IllegalArgumentException if {@code from} sorts after {@code to}
   */
  public WriteBatch deleteRange(byte[] from, byte[] to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (Arrays.compareUnsigned(from, to) > 0) {
      throw new IllegalArgumentException("deleteRange: from sorts after to");
    }
    int at = reserveEntry(TYPE_RANGE_DELETION, from.length, to.length);
    System.arraycopy(from, 0, buf, at, from.length);
    System.arraycopy(to, 0, buf, at + from.length, to.length);
    return this;
  }

  /**
   * Appends every entry of {@code other}, in order.
   *
   * @param other the batch to copy the entries of (left unchanged)
   * @return this batch
   */
  public WriteBatch append(WriteBatch other) {
    Objects.requireNonNull(other, "other");
    other.checkOpen();
    checkOpen();
    int body = other.size - HEADER_SIZE;
    int otherCount = other.count; // read before growing: other may be this
    ensureRoom(body);
    System.arraycopy(other.buf, HEADER_SIZE, buf, size, body);
    size += body;
    count += otherCount;
    return this;
  }

  /** Removes every entry; the buffer is kept for reuse. */
  public void clear() {
    checkOpen();
    size = HEADER_SIZE;
    count = 0;
  }

  /**
   * The number of entries.
   *
   * @return the entries added since creation or the last {@link #clear()}
   */
  public int count() {
    checkOpen();
    return count;
  }

  /**
   * Bytes of the encoded batch, header included.
   *
   * @return the encoded size
   */
  public int approximateSize() {
    checkOpen();
    return size;
  }

  /**
   * Drops the buffer, leaving it to the calling thread for its next batch (see the class
   * comment). Idempotent.
   */
  @Override
  public void close() {
    byte[] b = buf;
    if (b != null) {
      buf = null;
      SPARE.get().give(b);
    }
  }

  /**
   * The encoded batch: its first {@link #encodedSize()} bytes, the header's count filled in. The
   * array is internal: the caller must not keep or change it.
   */
  byte[] encoded() {
    checkOpen();
    INT_LE.set(buf, COUNT_OFFSET, count);
    return buf;
  }

  int encodedSize() {
    return size;
  }

  private void checkOpen() {
    if (buf == null) {
      throw new IllegalStateException("WriteBatch is closed");
    }
  }

  /** Writes an entry's header, grows the buffer, and returns where the key goes. */
  private int reserveEntry(byte type, int keyLength, int valueLength) {
    checkOpen();
    long need = (long) ENTRY_OVERHEAD + keyLength + valueLength;
    if (need > MAX_SIZE - size) {
      throw new IllegalStateException(
          "WriteBatch would exceed " + MAX_SIZE + " bytes; write it and start another");
    }
    ensureRoom((int) need);
    int at = size;
    buf[at] = type;
    INT_LE.set(buf, at + 1, keyLength);
    INT_LE.set(buf, at + 5, valueLength);
    size += (int) need;
    count++;
    return at + ENTRY_OVERHEAD;
  }

  private void ensureRoom(int more) {
    if (more > MAX_SIZE - size) {
      throw new IllegalStateException("WriteBatch would exceed " + MAX_SIZE + " bytes");
    }
    int need = size + more;
    if (need > buf.length) {
      long grown = Math.max(Math.max((long) need, 2L * buf.length), MIN_GROWTH);
      buf = Arrays.copyOf(buf, (int) Math.min(MAX_SIZE, grown));
    }
  }

  @Override
  public String toString() {
    return buf == null ? "WriteBatch{closed}" : "WriteBatch{count=" + count + ", bytes=" + size + "}";
  }
}
