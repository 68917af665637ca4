package io.lsmstore;

import static io.lsmstore.StoreTestSupport.bytes;
import static io.lsmstore.StoreTestSupport.open;
import static io.lsmstore.StoreTestSupport.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrencyTest {
  private static final int THREADS = 8;

  @TempDir Path dir;

  private static byte[] key(int thread, int i) {
    return bytes(String.format("t%d-%06d", thread, i));
  }

  private static byte[] value(int thread, int i) {
    return bytes("value-" + thread + "-" + i);
  }

  private static void runAll(List<Callable<Void>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (Callable<Void> task : tasks) {
        futures.add(pool.submit(task));
      }
      for (Future<Void> f : futures) {
        f.get(); // rethrows a task's failure
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void eightThreadsWriteAndReadConcurrently() throws Exception {
    long seed = StoreTestSupport.seed("eightThreadsWriteAndReadConcurrently");
    final int perThread = 2000;
    try (LsmStore store = open(dir)) {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        final int thread = t;
        tasks.add(() -> {
          Random rnd = new Random(seed + thread);
          ByteBuffer out = ByteBuffer.allocateDirect(64);
          for (int i = 0; i < perThread; i++) {
            switch (rnd.nextInt(4)) {
              case 0:
                store.put(key(thread, i), value(thread, i));
                break;
              case 1: {
                ByteBuffer k = ByteBuffer.allocateDirect(32).put(key(thread, i)).flip();
                ByteBuffer v = ByteBuffer.allocateDirect(32).put(value(thread, i)).flip();
                store.put(k, v);
                break;
              }
              default:
                try (WriteBatch batch = new WriteBatch()) {
                  store.write(batch.put(key(thread, i), value(thread, i)));
                }
            }
            // Own writes are visible at once.
            assertArrayEquals(value(thread, i), store.get(key(thread, i)));
            // Others' keys: absent or exactly their value.
            int other = rnd.nextInt(THREADS);
            int j = rnd.nextInt(perThread);
            out.clear();
            int n = store.get(ByteBuffer.wrap(key(other, j)), out);
            if (n != LsmStore.NOT_FOUND) {
              byte[] got = new byte[n];
              out.flip().get(got);
              assertArrayEquals(value(other, j), got);
            }
          }
          return null;
        });
      }
      runAll(tasks);
      for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < perThread; i++) {
          assertArrayEquals(value(t, i), store.get(key(t, i)));
        }
      }
    }
  }

  @Test
  void iteratorsAndSnapshotsRunAlongsideWriters() throws Exception {
    try (LsmStore store = open(dir)) {
      for (int i = 0; i < 500; i++) {
        store.put(key(0, i), value(0, i));
      }
      AtomicBoolean writing = new AtomicBoolean(true);
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        final int thread = t;
        if (t < 3) {
          tasks.add(() -> { // writers: new keys, deletions and a flush now and then
            for (int i = 0; i < 1500; i++) {
              store.put(key(thread + 1, i), value(thread + 1, i));
              if (i % 3 == 0) {
                store.delete(key(thread + 1, i / 2));
              }
              if (i % 500 == 499) {
                store.flush();
              }
            }
            return null;
          });
        } else {
          tasks.add(() -> { // readers: each snapshot view must stay constant
            while (writing.get()) {
              try (Snapshot snapshot = store.getSnapshot()) {
                ReadOptions ro = ReadOptions.builder().snapshot(snapshot).build();
                List<byte[]> first = new ArrayList<>();
                try (LsmIterator it = store.newIterator(ro)) {
                  for (it.seekToFirst(); it.isValid(); it.next()) {
                    first.add(it.key());
                  }
                }
                int count = 0;
                try (LsmIterator it = store.newIterator(ro)) {
                  for (it.seekToLast(); it.isValid(); it.prev()) {
                    assertArrayEquals(first.get(first.size() - 1 - count), it.key());
                    count++;
                  }
                }
                assertEquals(first.size(), count);
                for (int i = 1; i < first.size(); i++) {
                  assertTrue(Arrays.compareUnsigned(first.get(i - 1), first.get(i)) < 0);
                }
                assertTrue(first.size() >= 500);
              }
            }
            return null;
          });
        }
      }
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<Void>> futures = new ArrayList<>();
        for (Callable<Void> task : tasks) {
          futures.add(pool.submit(task));
        }
        for (int t = 0; t < 3; t++) {
          futures.get(t).get();
        }
        writing.set(false);
        for (Future<Void> f : futures) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void closingUnderLoadLetsEveryCallFinishOrFailCleanly() throws Exception {
    Path db = dir.resolve("db");
    LsmStore store = LsmStore.open(db, StoreTestSupport.smallOptions());
    // The highest i each thread saw acknowledged; every key up to it must survive.
    AtomicIntegerArray acknowledged = new AtomicIntegerArray(THREADS);
    CountDownLatch started = new CountDownLatch(THREADS);
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      final int thread = t;
      acknowledged.set(thread, -1);
      tasks.add(() -> {
        started.countDown();
        try {
          for (int i = 0; ; i++) {
            switch (i % 4) {
              case 0:
                store.put(key(thread, i), value(thread, i));
                break;
              case 1:
                try (WriteBatch batch = new WriteBatch()) {
                  store.write(batch.put(key(thread, i), value(thread, i)));
                }
                break;
              case 2:
                store.put(key(thread, i), value(thread, i));
                try (LsmIterator it = store.newIterator()) {
                  it.seek(key(thread, i));
                  assertArrayEquals(key(thread, i), it.key());
                }
                break;
              default:
                store.put(key(thread, i), value(thread, i));
                try (Snapshot s = store.getSnapshot()) {
                  assertArrayEquals(value(thread, i),
                      store.get(ReadOptions.builder().snapshot(s).build(), key(thread, i)));
                }
            }
            acknowledged.set(thread, i);
          }
        } catch (IllegalStateException closed) {
          assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        }
        return null;
      });
    }
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (Callable<Void> task : tasks) {
        futures.add(pool.submit(task));
      }
      started.await();
      // Let every thread get going (or fail: then its future reports why).
      for (int t = 0; t < THREADS; t++) {
        while (acknowledged.get(t) < 100 && !futures.get(t).isDone()) {
          Thread.sleep(1);
        }
      }
      store.close();
      for (Future<Void> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    try (LsmStore reopened = LsmStore.open(db, StoreTestSupport.smallOptions())) {
      for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i <= acknowledged.get(t); i++) {
          assertEquals(str(value(t, i)), str(reopened.get(key(t, i))), "t" + t + " i" + i);
        }
        assertNull(reopened.get(key(t, acknowledged.get(t) + 2)));
      }
    }
  }
}
