package io.lsmstore.bench;

import io.lsmstore.LsmIterator;
import io.lsmstore.LsmStore;
import io.lsmstore.Options;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * JNI overhead benchmark: put and get of 16-byte keys and 100-byte values through the Java API,
 * to set against the same calls made from C++ (bench/). Prints ops/s per phase.
 *
 * <pre>
 *   bazel run -c opt //java:jni_bench -- [--ops=1000000] [--dir=PATH] [--seed=N]
 * </pre>
 *
 * Keys are the decimal index, zero-padded to 16 bytes, visited in a random permutation for the
 * random phases; values are 100 random bytes. Writes are not synced (WriteOptions.DEFAULT). The
 * store is opened with default options in a fresh directory, deleted at the end unless --dir is
 * given.
 */
public final class JniBench {
  private static final int KEY_SIZE = 16;
  private static final int VALUE_SIZE = 100;

  private JniBench() {}

  private static void fillKey(byte[] key, long i) {
    for (int p = KEY_SIZE - 1; p >= 0; p--) {
      key[p] = (byte) ('0' + (i % 10));
      i /= 10;
    }
  }

  private static int[] permutation(int n, Random rnd) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  private static void report(String phase, int ops, long nanos) {
    double seconds = nanos / 1e9;
    System.out.printf("%-28s %10d ops %9.3f s %12.0f ops/s %9.1f ns/op%n",
        phase, ops, seconds, ops / seconds, (double) nanos / ops);
  }

  public static void main(String[] args) throws IOException {
    int ops = 1_000_000;
    Path dir = null;
    long seed = 301;
    for (String a : args) {
      if (a.startsWith("--ops=")) {
        ops = Integer.parseInt(a.substring(6));
      } else if (a.startsWith("--dir=")) {
        dir = Path.of(a.substring(6));
      } else if (a.startsWith("--seed=")) {
        seed = Long.parseLong(a.substring(7));
      } else {
        System.err.println("usage: jni_bench [--ops=N] [--dir=PATH] [--seed=N]");
        System.exit(2);
      }
    }
    boolean temporary = dir == null;
    if (temporary) {
      dir = Files.createTempDirectory("jni_bench");
    }
    Random rnd = new Random(seed);
    int[] order = permutation(ops, rnd);
    byte[] value = new byte[VALUE_SIZE];
    rnd.nextBytes(value);
    byte[] key = new byte[KEY_SIZE];
    System.out.printf("jni_bench: %d ops, %d-byte keys, %d-byte values, seed %d, dir %s%n",
        ops, KEY_SIZE, VALUE_SIZE, seed, dir);

    try (LsmStore store = LsmStore.open(dir.resolve("db"), Options.defaults())) {
      // Warm-up: JIT-compile the paths measured below.
      int warm = Math.min(ops, 200_000);
      for (int i = 0; i < warm; i++) {
        fillKey(key, ops + i);
        store.put(key, value);
        store.get(key);
      }

      long t0 = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        fillKey(key, i);
        store.put(key, value);
      }
      report("put seq byte[]", ops, System.nanoTime() - t0);

      t0 = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        fillKey(key, order[i]);
        store.put(key, value);
      }
      report("put random byte[]", ops, System.nanoTime() - t0);

      ByteBuffer directKey = ByteBuffer.allocateDirect(KEY_SIZE);
      ByteBuffer directValue = ByteBuffer.allocateDirect(VALUE_SIZE);
      directValue.put(value).flip();
      t0 = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        fillKey(key, order[i]);
        directKey.clear();
        directKey.put(key).flip();
        store.put(directKey, directValue);
      }
      report("put random direct", ops, System.nanoTime() - t0);

      long found = 0;
      t0 = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        fillKey(key, order[i]);
        found += store.get(key) != null ? 1 : 0;
      }
      report("get random -> byte[]", ops, System.nanoTime() - t0);

      byte[] out = new byte[VALUE_SIZE];
      t0 = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        fillKey(key, order[i]);
        found += store.get(key, out) >= 0 ? 1 : 0;
      }
      report("get random into byte[]", ops, System.nanoTime() - t0);

      ByteBuffer directOut = ByteBuffer.allocateDirect(VALUE_SIZE);
      t0 = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        fillKey(key, order[i]);
        directKey.clear();
        directKey.put(key).flip();
        directOut.clear();
        found += store.get(directKey, directOut) >= 0 ? 1 : 0;
      }
      report("get random direct", ops, System.nanoTime() - t0);

      // Absent keys: little engine work (bloom filters), so the JNI share is largest here.
      long missing = 0;
      t0 = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        fillKey(key, 3L * ops + order[i]);
        missing += store.get(key) == null ? 1 : 0;
      }
      report("get missing -> null", ops, System.nanoTime() - t0);

      t0 = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        fillKey(key, 3L * ops + order[i]);
        directKey.clear();
        directKey.put(key).flip();
        directOut.clear();
        missing += store.get(directKey, directOut) == LsmStore.NOT_FOUND ? 1 : 0;
      }
      report("get missing direct", ops, System.nanoTime() - t0);

      t0 = System.nanoTime();
      int scanned = 0;
      try (LsmIterator it = store.newIterator()) {
        for (it.seekToFirst(); it.isValid() && scanned < ops; it.next()) {
          directOut.clear();
          it.valueInto(directOut);
          scanned++;
        }
      }
      report("scan valueInto direct", scanned, System.nanoTime() - t0);

      if (found != 3L * ops || missing != 2L * ops) {
        throw new IllegalStateException("expected every key found and no absent key found, got "
            + found + " found and " + missing + " missing");
      }
    } finally {
      if (temporary) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}
