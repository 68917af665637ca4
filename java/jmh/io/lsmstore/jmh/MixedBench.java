package io.lsmstore.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * 8 threads sharing one store, each operation a get (80%) or a put (20%) of a random existing
 * key, {@code byte[]} arguments. The score is per operation of one thread.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(8)
public class MixedBench {
  /** Per-thread random source and value. */
  @State(Scope.Thread)
  public static class Args {
    private SplittableRandom rnd;
    final byte[] key = new byte[Data.KEY_SIZE];
    byte[] value;
    private int entries;

    @Setup
    public void setup(StoreState state) {
      rnd = new SplittableRandom(Thread.currentThread().getId());
      value = Data.value(new java.util.Random(rnd.nextLong()));
      entries = state.entries;
    }
  }

  @Benchmark
  public Object getOrPut(StoreState s, Args a) {
    Data.fillKey(a.key, a.rnd.nextInt(a.entries));
    if (a.rnd.nextInt(5) == 0) {
      s.store.put(a.key, a.value);
      return null;
    }
    return s.store.get(a.key);
  }
}
