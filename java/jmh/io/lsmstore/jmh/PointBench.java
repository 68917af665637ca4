package io.lsmstore.jmh;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Point reads and writes of one existing key, chosen at random, through each kind of argument:
 * {@code byte[]}, heap {@code ByteBuffer}, direct {@code ByteBuffer}. Puts overwrite existing
 * keys with 100-byte values (not synced).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PointBench {
  /** Per-thread keys, values and buffers. */
  @State(Scope.Thread)
  public static class Args {
    private final SplittableRandom rnd = new SplittableRandom(7);
    final byte[] key = new byte[Data.KEY_SIZE];
    final byte[] value = new byte[Data.VALUE_SIZE];
    final ByteBuffer heapKey = ByteBuffer.allocate(Data.KEY_SIZE);
    final ByteBuffer heapValue = ByteBuffer.allocate(Data.VALUE_SIZE);
    final ByteBuffer heapOut = ByteBuffer.allocate(Data.VALUE_SIZE);
    final ByteBuffer directKey = ByteBuffer.allocateDirect(Data.KEY_SIZE);
    final ByteBuffer directValue = ByteBuffer.allocateDirect(Data.VALUE_SIZE);
    final ByteBuffer directOut = ByteBuffer.allocateDirect(Data.VALUE_SIZE);
    private int entries;

    @Setup
    public void setup(StoreState state) {
      entries = state.entries;
      new java.util.Random(11).nextBytes(value);
      heapValue.put(value).clear();
      directValue.put(value).clear();
    }

    /** Picks the next key into {@link #key} and both key buffers (reset to hold it). */
    void nextKey() {
      Data.fillKey(key, rnd.nextInt(entries));
      heapKey.clear();
      heapKey.put(key).flip();
      directKey.clear();
      directKey.put(key).flip();
    }
  }

  @Benchmark
  public byte[] getBytes(StoreState s, Args a) {
    a.nextKey();
    return s.store.get(a.key);
  }

  @Benchmark
  public void putBytes(StoreState s, Args a) {
    a.nextKey();
    s.store.put(a.key, a.value);
  }

  @Benchmark
  public int getHeapBuffer(StoreState s, Args a) {
    a.nextKey();
    a.heapOut.clear();
    return s.store.get(a.heapKey, a.heapOut);
  }

  @Benchmark
  public void putHeapBuffer(StoreState s, Args a) {
    a.nextKey();
    a.heapValue.clear();
    s.store.put(a.heapKey, a.heapValue);
  }

  @Benchmark
  public int getDirectBuffer(StoreState s, Args a) {
    a.nextKey();
    a.directOut.clear();
    return s.store.get(a.directKey, a.directOut);
  }

  @Benchmark
  public void putDirectBuffer(StoreState s, Args a) {
    a.nextKey();
    a.directValue.clear();
    s.store.put(a.directKey, a.directValue);
  }

  /** A 1 000-entry WriteBatch of random existing keys, applied atomically. */
  @Benchmark
  public void writeBatch1000(StoreState s, BatchArgs b) {
    b.next();
    s.store.writeBatch(b.keys, b.values);
  }

  /** The keys and values of one batch, refilled with new random keys before each call. */
  @State(Scope.Thread)
  public static class BatchArgs {
    static final int SIZE = 1000;
    private final SplittableRandom rnd = new SplittableRandom(13);
    final byte[][] keys = new byte[SIZE][Data.KEY_SIZE];
    final byte[][] values = new byte[SIZE][];
    private int entries;

    @Setup
    public void setup(StoreState state) {
      entries = state.entries;
      java.util.Random r = new java.util.Random(17);
      for (int i = 0; i < SIZE; i++) {
        values[i] = Data.value(r);
      }
    }

    void next() {
      for (byte[] k : keys) {
        Data.fillKey(k, rnd.nextInt(entries));
      }
    }
  }
}
