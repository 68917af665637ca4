package io.lsmstore;

import static io.lsmstore.StoreTestSupport.bytes;
import static io.lsmstore.StoreTestSupport.open;
import static io.lsmstore.StoreTestSupport.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LsmStoreTest {
  @TempDir Path dir;

  @Test
  void putGetDeleteRoundTrip() {
    try (LsmStore store = open(dir)) {
      assertNull(store.get(bytes("a")));
      store.put(bytes("a"), bytes("1"));
      store.put(bytes("b"), bytes("2"));
      assertEquals("1", str(store.get(bytes("a"))));
      assertEquals("2", str(store.get(bytes("b"))));
      store.put(bytes("a"), bytes("3"));
      assertEquals("3", str(store.get(bytes("a"))));
      store.delete(bytes("a"));
      assertNull(store.get(bytes("a")));
      assertEquals("2", str(store.get(bytes("b"))));
      store.delete(bytes("never-written")); // deleting an absent key is fine
    }
  }

  @Test
  void binaryKeysAndValuesRoundTripExactly() {
    long seed = StoreTestSupport.seed("binaryKeysAndValuesRoundTripExactly");
    Random rnd = new Random(seed);
    try (LsmStore store = open(dir)) {
      // Every byte value, embedded zeros, and keys that are prefixes of each other.
      byte[] all = new byte[256];
      for (int i = 0; i < 256; i++) {
        all[i] = (byte) i;
      }
      byte[][] keys = {
        {0}, {0, 0}, {0, 0, 0}, {(byte) 0xff}, {(byte) 0xff, 0}, {1, 0, 1}, all,
        StoreTestSupport.randomBytes(rnd, 100),
      };
      for (int i = 0; i < keys.length; i++) {
        store.put(keys[i], StoreTestSupport.randomBytes(new Random(seed + i), 50 + i));
      }
      for (int i = 0; i < keys.length; i++) {
        assertArrayEquals(StoreTestSupport.randomBytes(new Random(seed + i), 50 + i),
            store.get(keys[i]), "key #" + i);
      }
      assertNull(store.get(new byte[] {0, 0, 0, 0}));
    }
  }

  @Test
  void emptyValuesAndEmptyKeyAreKept() {
    try (LsmStore store = open(dir)) {
      store.put(bytes("k"), new byte[0]);
      assertArrayEquals(new byte[0], store.get(bytes("k")));
      assertEquals(0, store.get(bytes("k"), new byte[4]));
      store.put(new byte[0], bytes("empty key"));
      assertEquals("empty key", str(store.get(new byte[0])));
    }
  }

  @Test
  void oneMebibyteValuesRoundTripThroughEveryPath() {
    long seed = StoreTestSupport.seed("oneMebibyteValuesRoundTripThroughEveryPath");
    byte[] big = StoreTestSupport.randomBytes(new Random(seed), 1 << 20);
    try (LsmStore store = open(dir)) {
      store.put(bytes("big"), big);
      assertArrayEquals(big, store.get(bytes("big")));

      byte[] out = new byte[(1 << 20) + 10];
      assertEquals(big.length, store.get(bytes("big"), out));
      assertArrayEquals(big, Arrays.copyOf(out, big.length));

      ByteBuffer key = ByteBuffer.allocateDirect(16);
      key.put(bytes("big-direct")).flip();
      ByteBuffer value = ByteBuffer.allocateDirect(big.length);
      value.put(big).flip();
      store.put(key, value);
      ByteBuffer read = ByteBuffer.allocateDirect(big.length);
      assertEquals(big.length, store.get(key, read));
      assertEquals(big.length, read.position());
      read.flip();
      byte[] back = new byte[big.length];
      read.get(back);
      assertArrayEquals(big, back);

      store.flush(); // and from an SST
      assertArrayEquals(big, store.get(bytes("big")));
    }
  }

  /**
   * Sizes around the per-thread scratch buffer's limits (Scratch.INITIAL, Scratch.MAX), in a new
   * thread so its buffer starts small: a value that does not fit is looked up again with a larger
   * buffer, and one over the limit goes through the array path; keys, values and entries read by
   * an iterator alike.
   */
  @Test
  void sizesAroundTheScratchBufferLimitsRoundTripExactly() throws Exception {
    long seed = StoreTestSupport.seed("sizesAroundTheScratchBufferLimitsRoundTripExactly");
    int[] sizes = {0, 1, Scratch.INITIAL - 17, Scratch.INITIAL - 16, Scratch.INITIAL,
        Scratch.INITIAL + 1, 3 * Scratch.INITIAL, Scratch.MAX - 16, Scratch.MAX, Scratch.MAX + 1,
        4 * Scratch.MAX};
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (LsmStore store = open(dir)) {
      Thread fresh = new Thread(() -> {
        try {
          Random rnd = new Random(seed);
          byte[][] values = new byte[sizes.length][];
          for (int i = 0; i < sizes.length; i++) {
            values[i] = StoreTestSupport.randomBytes(rnd, sizes[i]);
            store.put(String.format("v%02d", i).getBytes(), values[i]);
          }
          for (int i = sizes.length - 1; i >= 0; i--) { // largest first, then smaller again
            byte[] key = String.format("v%02d", i).getBytes();
            assertArrayEquals(values[i], store.get(key), "value of " + sizes[i] + " bytes");
            byte[] out = new byte[sizes[i] + 3];
            assertEquals(sizes[i], store.get(key, out));
            assertArrayEquals(values[i], Arrays.copyOf(out, sizes[i]));
            byte[] prefix = new byte[Math.min(5, sizes[i])];
            assertEquals(sizes[i], store.get(key, prefix));
            assertArrayEquals(Arrays.copyOf(values[i], prefix.length), prefix);
          }
          // The same through direct and heap buffers (the value put again under a new key).
          for (int i = 0; i < sizes.length; i++) {
            for (boolean direct : new boolean[] {true, false}) {
              byte[] k = String.format("b%02d%s", i, direct).getBytes();
              ByteBuffer key =
                  direct ? ByteBuffer.allocateDirect(k.length) : ByteBuffer.allocate(k.length);
              key.put(k).flip();
              ByteBuffer value =
                  direct ? ByteBuffer.allocateDirect(sizes[i]) : ByteBuffer.allocate(sizes[i]);
              value.put(values[i]).flip();
              store.put(key, value);
              assertEquals(0, value.position());
              ByteBuffer out = direct
                  ? ByteBuffer.allocateDirect(sizes[i] + 3) : ByteBuffer.allocate(sizes[i] + 3);
              out.position(2);
              assertEquals(sizes[i], store.get(key, out));
              assertEquals(2 + sizes[i], out.position());
              byte[] back = new byte[sizes[i]];
              out.get(2, back);
              assertArrayEquals(values[i], back, (direct ? "direct " : "heap ") + sizes[i]);
              store.delete(key);
              assertEquals(LsmStore.NOT_FOUND, store.get(key, out));
            }
          }
          // Keys up to the engine's 64 KiB limit, beside values of every size above.
          for (int keySize : new int[] {Scratch.INITIAL, Scratch.MAX - 1, Scratch.MAX}) {
            byte[] key = StoreTestSupport.randomBytes(rnd, keySize);
            key[0] = 'k';
            for (byte[] value : values) {
              store.put(key, value);
              assertArrayEquals(value, store.get(key), keySize + "-byte key");
            }
            store.delete(key);
            assertNull(store.get(key));
          }
          try (LsmIterator it = store.newIterator()) {
            int i = 0;
            for (it.seek(bytes("v")); it.isValid() && i < sizes.length; it.next(), i++) {
              assertEquals(String.format("v%02d", i), str(it.key()));
              assertArrayEquals(values[i], it.value(), "iterator value of " + sizes[i] + " bytes");
              byte[] into = new byte[sizes[i] + 1];
              assertEquals(sizes[i], it.valueInto(into));
              assertArrayEquals(values[i], Arrays.copyOf(into, sizes[i]));
              ByteBuffer intoDirect = ByteBuffer.allocateDirect(sizes[i] + 1);
              assertEquals(sizes[i], it.valueInto(intoDirect));
              assertEquals(sizes[i], intoDirect.position());
              byte[] fromDirect = new byte[sizes[i]];
              intoDirect.get(0, fromDirect);
              assertArrayEquals(values[i], fromDirect);
              byte[] keyPrefix = new byte[2];
              assertEquals(3, it.keyInto(keyPrefix));
              assertEquals(String.format("v%02d", i).substring(0, 2), str(keyPrefix));
            }
            assertEquals(sizes.length, i);
            byte[] bigTarget = Arrays.copyOf(bytes("v05"), Scratch.MAX + 10);
            it.seekForPrev(bigTarget); // a target over the limit: the array path
            assertEquals("v05", str(it.key()));
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      fresh.start();
      fresh.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }

  @Test
  void getIntoTooSmallArrayCopiesAPrefixAndReturnsTheFullLength() {
    try (LsmStore store = open(dir)) {
      store.put(bytes("k"), bytes("0123456789"));
      byte[] out = new byte[6];
      Arrays.fill(out, (byte) '#');
      assertEquals(10, store.get(ReadOptions.defaults(), bytes("k"), out, 1, 4));
      assertEquals("#0123#", str(out));
      assertEquals(LsmStore.NOT_FOUND, store.get(bytes("absent"), out));
    }
  }

  @Test
  void byteBufferVariantsFollowThePositionConvention() {
    try (LsmStore store = open(dir)) {
      // Direct key and value: positions of inputs unchanged.
      ByteBuffer key = ByteBuffer.allocateDirect(8).put(bytes("xxkey")).flip();
      key.position(2); // "key"
      ByteBuffer value = ByteBuffer.allocateDirect(8).put(bytes("val")).flip();
      store.put(key, value);
      assertEquals(2, key.position());
      assertEquals(0, value.position());
      assertEquals("val", str(store.get(bytes("key"))));

      // Heap buffers, including a slice with an array offset and a read-only key.
      ByteBuffer heapKey = ByteBuffer.wrap(bytes("__key2__")).position(2).limit(6).slice();
      store.put(heapKey, ByteBuffer.wrap(bytes("v2")));
      assertEquals("v2", str(store.get(bytes("key2"))));
      ByteBuffer readOnlyKey = ByteBuffer.wrap(bytes("key2")).asReadOnlyBuffer();

      // Output: written at position, which advances by the bytes written.
      ByteBuffer out = ByteBuffer.allocate(8);
      out.position(3);
      assertEquals(2, store.get(readOnlyKey, out));
      assertEquals(5, out.position());
      assertEquals("v2", new String(out.array(), 3, 2, java.nio.charset.StandardCharsets.UTF_8));

      // Too small: a prefix is written, the full length returned.
      ByteBuffer small = ByteBuffer.allocateDirect(2);
      assertEquals(3, store.get(key, small));
      assertEquals(2, small.position());
      assertEquals('v', small.get(0));
      assertEquals('a', small.get(1));

      // Absent: NOT_FOUND, buffer untouched.
      ByteBuffer none = ByteBuffer.allocateDirect(4);
      assertEquals(LsmStore.NOT_FOUND, store.get(ByteBuffer.wrap(bytes("nope")), none));
      assertEquals(0, none.position());

      // Mixed: heap key, direct value buffer.
      ByteBuffer mixed = ByteBuffer.allocateDirect(8);
      assertEquals(3, store.get(ByteBuffer.wrap(bytes("key")), mixed));
      assertEquals(3, mixed.position());

      store.delete(key);
      assertNull(store.get(bytes("key")));
      store.delete(ByteBuffer.wrap(bytes("key2")));
      assertNull(store.get(bytes("key2")));
    }
  }

  @Test
  void reopenAfterCloseSeesEveryWrite() {
    Path db = dir.resolve("db");
    try (LsmStore store = LsmStore.open(db, StoreTestSupport.smallOptions())) {
      for (int i = 0; i < 2000; i++) {
        store.put(bytes("key" + i), bytes("value" + i));
      }
      store.delete(bytes("key7"));
      store.put(WriteOptions.SYNC, bytes("synced"), bytes("yes"));
    }
    for (int round = 0; round < 2; round++) {
      try (LsmStore store = LsmStore.open(db, StoreTestSupport.smallOptions())) {
        for (int i = 0; i < 2000; i++) {
          assertEquals(i == 7 ? null : "value" + i, str(store.get(bytes("key" + i))), "key" + i);
        }
        assertEquals("yes", str(store.get(bytes("synced"))));
      }
    }
  }

  @Test
  void secondOpenOfTheSameDirectoryFailsWithFailedPrecondition() {
    Path db = dir.resolve("db");
    try (LsmStore store = LsmStore.open(db, Options.defaults())) {
      LsmException e =
          assertThrows(LsmException.class, () -> LsmStore.open(db, Options.defaults()));
      assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
      assertEquals(9, e.status().rawCode());
      assertTrue(e.getMessage().startsWith("FAILED_PRECONDITION"), e.getMessage());
      store.put(bytes("still"), bytes("works"));
      assertEquals("works", str(store.get(bytes("still"))));
    }
    // Released on close.
    try (LsmStore again = LsmStore.open(db, Options.defaults())) {
      assertEquals("works", str(again.get(bytes("still"))));
    }
  }

  @Test
  void errorIfExistsAndCreateIfMissingAreHonoured() {
    Path db = dir.resolve("db");
    Options noCreate = Options.builder().createIfMissing(false).build();
    assertThrows(LsmException.class, () -> LsmStore.open(db, noCreate));
    LsmStore.open(db, Options.defaults()).close();
    LsmException e = assertThrows(LsmException.class,
        () -> LsmStore.open(db, Options.builder().errorIfExists(true).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
    LsmStore.open(db, noCreate).close();
  }

  @Test
  void oversizedKeyIsInvalidArgument() {
    try (LsmStore store = open(dir)) {
      byte[] key = new byte[(64 << 10) + 1];
      LsmException e = assertThrows(LsmException.class, () -> store.put(key, bytes("v")));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
      ByteBuffer direct = ByteBuffer.allocateDirect(key.length);
      e = assertThrows(LsmException.class, () -> store.put(direct, ByteBuffer.allocateDirect(1)));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
      byte[] maxKey = new byte[64 << 10];
      maxKey[0] = 7;
      store.put(maxKey, bytes("ok"));
      assertEquals("ok", str(store.get(maxKey)));
    }
  }

  @Test
  void snapshotsSeeTheStateWhenTaken() {
    try (LsmStore store = open(dir)) {
      store.put(bytes("k"), bytes("old"));
      try (Snapshot snapshot = store.getSnapshot()) {
        store.put(bytes("k"), bytes("new"));
        store.put(bytes("later"), bytes("x"));
        ReadOptions atSnapshot = ReadOptions.builder().snapshot(snapshot).build();
        assertEquals("old", str(store.get(atSnapshot, bytes("k"))));
        assertNull(store.get(atSnapshot, bytes("later")));
        byte[] out = new byte[8];
        assertEquals(3, store.get(atSnapshot, bytes("k"), out, 0, 8));
        ByteBuffer direct = ByteBuffer.allocateDirect(8);
        assertEquals(3, store.get(atSnapshot, ByteBuffer.allocateDirect(1).put((byte) 'k').flip(),
            direct));
        assertEquals("new", str(store.get(bytes("k"))));
        store.flush();
        store.compactRange(null, null);
        assertEquals("old", str(store.get(atSnapshot, bytes("k"))));
        assertTrue(snapshot.sequence() > 0);
      }
    }
  }

  @Test
  void flushCompactRangeAndPropertiesKeepTheData() {
    try (LsmStore store = open(dir)) {
      for (int i = 0; i < 5000; i++) {
        store.put(bytes(String.format("key%06d", i)), bytes("value" + i));
      }
      store.flush();
      store.compactRange(bytes("key000100"), bytes("key000200"));
      store.compactRange(null, bytes("key001000"));
      store.compactRange(bytes("key004000"), null);
      store.compactRange(null, null);
      for (int i = 0; i < 5000; i += 7) {
        assertEquals("value" + i, str(store.get(bytes(String.format("key%06d", i)))));
      }
      assertNotNull(store.property("lsm.stats"));
      assertNotNull(store.property("lsm.sstables"));
      String files = store.property("lsm.num-files-at-level0");
      assertNotNull(files);
      Long.parseLong(files.trim());
      String memory = store.property("lsm.approximate-memory-usage");
      assertTrue(Long.parseLong(memory.trim()) > 0, memory);
      assertNull(store.property("lsm.no-such-property"));
      assertNull(store.property("not even a prefix"));
    }
  }

  @Test
  void syncWalSyncsTheLogOnceAndWritesNothing() {
    try (LsmStore store = open(dir)) {
      Statistics start = store.statistics();
      for (int i = 0; i < 100; i++) {
        store.put(bytes("k" + i), bytes("v" + i));
      }
      Statistics written = store.statistics();
      assertEquals(start.walSyncs(), written.walSyncs(), "unsynced puts do not sync");
      assertEquals(start.writes() + 100, written.writes());

      store.syncWal();
      Statistics synced = store.statistics();
      assertEquals(written.walSyncs() + 1, synced.walSyncs(), "one fdatasync for 100 writes");
      assertEquals(written.writes(), synced.writes(), "syncWal writes no record");

      store.syncWal(); // nothing new: still a sync, as documented
      assertEquals(synced.walSyncs() + 1, store.statistics().walSyncs());
      for (int i = 0; i < 100; i++) {
        assertEquals("v" + i, str(store.get(bytes("k" + i))));
      }
    }
    try (LsmStore store = open(dir)) {
      for (int i = 0; i < 100; i++) {
        assertEquals("v" + i, str(store.get(bytes("k" + i))));
      }
    }
  }

  @Test
  void syncWalRunsAlongsideWriters() throws Exception {
    final int writers = 4;
    final int perWriter = 2000;
    long syncs = 0;
    try (LsmStore store = open(dir)) {
      long before = store.statistics().walSyncs();
      Thread[] threads = new Thread[writers];
      AtomicReference<Throwable> failure = new AtomicReference<>();
      for (int t = 0; t < writers; t++) {
        final int id = t;
        threads[t] = new Thread(() -> {
          try {
            for (int i = 0; i < perWriter; i++) {
              store.put(bytes("w" + id + "-" + i), bytes("v" + i));
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        });
        threads[t].start();
      }
      boolean running = true;
      while (running) {
        store.syncWal();
        syncs++;
        running = false;
        for (Thread thread : threads) {
          running |= thread.isAlive();
        }
      }
      for (Thread thread : threads) {
        thread.join();
      }
      assertNull(failure.get());
      assertEquals(before + syncs, store.statistics().walSyncs(), "each syncWal is one sync");
    }
    try (LsmStore store = open(dir)) {
      for (int t = 0; t < writers; t++) {
        for (int i = 0; i < perWriter; i++) {
          assertEquals("v" + i, str(store.get(bytes("w" + t + "-" + i))));
        }
      }
    }
  }

  @Test
  void destroyRemovesAClosedStore() throws Exception {
    Path db = dir.resolve("db");
    try (LsmStore store = LsmStore.open(db, Options.defaults())) {
      store.put(bytes("k"), bytes("v"));
    }
    LsmStore.destroy(db, Options.defaults());
    assertFalse(Files.exists(db.resolve("CURRENT")));
    try (LsmStore store = LsmStore.open(db, Options.defaults())) {
      assertNull(store.get(bytes("k")));
    }
  }

  @Test
  void pathsWithUnusualCharactersWork() {
    // ASCII only: under a C locale the JVM cannot name other files at all.
    Path db = dir.resolve("dir with spaces, $dollars 'quotes' & #hash");
    try (LsmStore store = LsmStore.open(db, Options.defaults())) {
      store.put(bytes("k"), bytes("v"));
      assertEquals(db.toAbsolutePath(), store.path());
    }
    try (LsmStore store = LsmStore.open(db, Options.defaults())) {
      assertEquals("v", str(store.get(bytes("k"))));
    }
  }
}
