package io.lsmstore.bench;

import io.lsmstore.LsmIterator;
import io.lsmstore.LsmStore;
import io.lsmstore.WriteBatch;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * The JNI layer's own cost, for comparing two builds of the Java API on a busy machine: each case
 * runs calls whose engine work is small and the same for every build (reads of one key in a
 * memtable, puts of it, an iteration over 20 000 memtable entries, 1 000-entry batches), and
 * reports the calling thread's CPU time per call ({@code ThreadMXBean}: time the thread spends
 * preempted by other load is not counted, unlike wall time) and the bytes it allocated on the Java
 * heap per call. Each case runs in five rounds; the best of the last three is printed.
 *
 * <pre>
 *   bazel run -c opt //java:jni_cpu_bench
 *   java -cp OTHER_BUILD/lsmstore.jar:jni_cpu_bench_lib.jar io.lsmstore.bench.JniCpuBench
 * </pre>
 *
 * Keys are 16 bytes, values 100 bytes, writes not synced, default options, stores in a temporary
 * directory deleted at the end.
 */
public final class JniCpuBench {
  private static final com.sun.management.ThreadMXBean MX =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static long sink;

  private JniCpuBench() {}

  /** CPU nanoseconds and allocated bytes per call of {@code ops} calls of {@code op}. */
  private static double[] measure(int ops, IntConsumer op) {
    long cpu = MX.getCurrentThreadCpuTime();
    long allocated = MX.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < ops; i++) {
      op.accept(i);
    }
    return new double[] {
      (MX.getCurrentThreadCpuTime() - cpu) / (double) ops,
      (MX.getCurrentThreadAllocatedBytes() - allocated) / (double) ops
    };
  }

  private static void fillKey(byte[] key, long i) {
    for (int p = key.length - 1; p >= 0; p--) {
      key[p] = (byte) ('0' + (i % 10));
      i /= 10;
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 0) {
      System.err.println("usage: jni_cpu_bench (no arguments)");
      System.exit(2);
    }
    String[] names = {
      "get byte[] (found)", "get byte[] (absent)", "get direct buffers", "get heap buffers",
      "get into byte[]", "put byte[]", "put direct buffers", "iterator next+key()+value()",
      "writeBatch of 1000 puts"
    };
    int scanEntries = 20_000;
    double[][] best = new double[names.length][];
    Path dir = Files.createTempDirectory("jni_cpu_bench");
    try (LsmStore one = LsmStore.open(dir.resolve("one"));
        LsmStore many = LsmStore.open(dir.resolve("many"))) {
      byte[] key = new byte[16];
      byte[] absent = new byte[16];
      fillKey(key, 42);
      fillKey(absent, 43);
      byte[] value = new byte[100];
      new Random(1).nextBytes(value);
      one.put(key, value);
      ByteBuffer directKey = ByteBuffer.allocateDirect(16).put(key).flip();
      ByteBuffer directValue = ByteBuffer.allocateDirect(100).put(value).flip();
      ByteBuffer directOut = ByteBuffer.allocateDirect(100);
      ByteBuffer heapKey = ByteBuffer.allocate(16).put(key).flip();
      ByteBuffer heapOut = ByteBuffer.allocate(100);
      byte[] out = new byte[100];
      byte[] k = new byte[16];
      for (int i = 0; i < scanEntries; i++) {
        fillKey(k, i);
        many.put(k, value);
      }
      byte[][] batchKeys = new byte[1000][16];
      for (int round = 0; round < 5; round++) {
        double[][] r = new double[names.length][];
        r[0] = measure(1_000_000, i -> sink += one.get(key).length);
        r[1] = measure(1_000_000, i -> sink += one.get(absent) == null ? 1 : 0);
        r[2] = measure(1_000_000, i -> {
          directOut.clear();
          sink += one.get(directKey, directOut);
        });
        r[3] = measure(1_000_000, i -> {
          heapOut.clear();
          sink += one.get(heapKey, heapOut);
        });
        r[4] = measure(1_000_000, i -> sink += one.get(key, out));
        r[5] = measure(200_000, i -> one.put(key, value));
        r[6] = measure(200_000, i -> one.put(directKey, directValue));
        r[7] = measure(10, i -> {
          try (LsmIterator it = many.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
              sink += it.key().length + it.value().length;
            }
          }
        });
        r[7][0] /= scanEntries;
        r[7][1] /= scanEntries;
        r[8] = measure(300, i -> {
          for (int j = 0; j < batchKeys.length; j++) {
            fillKey(batchKeys[j], (i * 1000L + j) % scanEntries);
          }
          try (WriteBatch batch = new WriteBatch()) {
            for (byte[] bk : batchKeys) {
              batch.put(bk, value);
            }
            many.write(batch);
          }
        });
        for (int j = 0; round >= 2 && j < names.length; j++) {
          if (best[j] == null || r[j][0] < best[j][0]) {
            best[j] = r[j];
          }
        }
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.out.printf("%-30s %14s %14s%n", "case", "CPU ns/call", "heap B/call");
    for (int j = 0; j < names.length; j++) {
      System.out.printf("%-30s %14.0f %14.0f%n", names[j], best[j][0], best[j][1]);
    }
    if (sink == 42) {
      System.out.println(); // keeps the results alive
    }
  }
}
