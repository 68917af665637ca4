package io.lsmstore.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Scans over a store of {@code entries} keys (1 000 000 by default): the whole store forward and
 * backward (one operation is one full scan, every key and value copied out), and a seek to a
 * random key followed by 10 nexts.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ScanBench {
  /** A store filled with {@link #entries} keys, and one iterator over it. */
  @State(Scope.Benchmark)
  public static class ScanState {
    @Param({"lsm", "rocksdb"})
    public String engine;

    @Param({"SHARED", "DEFAULTS"})
    public String shape;

    @Param({"1000000"})
    public int entries;

    Engine store;
    Engine.Cursor cursor;
    private java.nio.file.Path dir;

    @Setup(Level.Trial)
    public void open() {
      dir = Data.newDirectory(engine);
      store = Engine.open(engine, Engine.Shape.valueOf(shape), dir);
      Data.fill(store, entries, 42);
      cursor = store.newCursor();
    }

    @TearDown(Level.Trial)
    public void close() {
      cursor.close();
      store.close();
      Data.deleteRecursively(dir);
    }
  }

  /** The random seek targets of one thread. */
  @State(Scope.Thread)
  public static class Seeks {
    private final SplittableRandom rnd = new SplittableRandom(5);
    final byte[] target = new byte[Data.KEY_SIZE];
  }

  @Benchmark
  public int forwardScan(ScanState s, Blackhole bh) {
    int n = 0;
    for (s.cursor.seekToFirst(); s.cursor.isValid(); s.cursor.next()) {
      bh.consume(s.cursor.key());
      bh.consume(s.cursor.value());
      n++;
    }
    return n;
  }

  @Benchmark
  public int reverseScan(ScanState s, Blackhole bh) {
    int n = 0;
    for (s.cursor.seekToLast(); s.cursor.isValid(); s.cursor.prev()) {
      bh.consume(s.cursor.key());
      bh.consume(s.cursor.value());
      n++;
    }
    return n;
  }

  /** A seek to a random existing key, then 10 nexts, copying out each key and value. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public int seekThen10Nexts(ScanState s, Seeks k, Blackhole bh) {
    Data.fillKey(k.target, k.rnd.nextInt(s.entries));
    int n = 0;
    for (s.cursor.seek(k.target); s.cursor.isValid() && n < 11; s.cursor.next()) {
      bh.consume(s.cursor.key());
      bh.consume(s.cursor.value());
      n++;
    }
    return n;
  }
}
