package io.lsmstore;

import static io.lsmstore.StoreTestSupport.bytes;
import static io.lsmstore.StoreTestSupport.open;
import static io.lsmstore.StoreTestSupport.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LsmIteratorTest {
  @TempDir Path dir;

  /** Byte strings ordered as the engine orders them: unsigned bytewise. */
  private static NavigableMap<byte[], byte[]> model() {
    return new TreeMap<>(Arrays::compareUnsigned);
  }

  private static List<String> forward(LsmIterator it) {
    List<String> keys = new ArrayList<>();
    for (it.seekToFirst(); it.isValid(); it.next()) {
      keys.add(str(it.key()));
    }
    return keys;
  }

  private static List<String> backward(LsmIterator it) {
    List<String> keys = new ArrayList<>();
    for (it.seekToLast(); it.isValid(); it.prev()) {
      keys.add(str(it.key()));
    }
    return keys;
  }

  @Test
  void emptyStoreHasNoEntries() {
    try (LsmStore store = open(dir); LsmIterator it = store.newIterator()) {
      assertFalse(it.isValid()); // a new iterator is not positioned
      it.seekToFirst();
      assertFalse(it.isValid());
      it.seekToLast();
      assertFalse(it.isValid());
      it.seek(bytes("a"));
      assertFalse(it.isValid());
    }
  }

  @Test
  void randomContentsMatchAModelBothWays() {
    long seed = StoreTestSupport.seed("randomContentsMatchAModelBothWays");
    Random rnd = new Random(seed);
    NavigableMap<byte[], byte[]> model = model();
    try (LsmStore store = open(dir)) {
      for (int i = 0; i < 3000; i++) {
        byte[] key = StoreTestSupport.randomBytes(rnd, 1 + rnd.nextInt(12));
        key[0] = (byte) rnd.nextInt(4); // clustered, so overwrites and deletes hit
        if (rnd.nextInt(5) == 0) {
          store.delete(key);
          model.remove(key);
        } else {
          byte[] value = StoreTestSupport.randomBytes(rnd, rnd.nextInt(40));
          store.put(key, value);
          model.put(key, value);
        }
        if (i == 1500) {
          store.flush(); // half in SSTs, half in the memtable
        }
      }
      try (LsmIterator it = store.newIterator()) {
        // Forward.
        it.seekToFirst();
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
          assertTrue(it.isValid());
          assertArrayEquals(e.getKey(), it.key());
          assertArrayEquals(e.getValue(), it.value());
          it.next();
        }
        assertFalse(it.isValid());
        // Backward.
        it.seekToLast();
        for (Map.Entry<byte[], byte[]> e : model.descendingMap().entrySet()) {
          assertTrue(it.isValid());
          assertArrayEquals(e.getKey(), it.key());
          it.prev();
        }
        assertFalse(it.isValid());
        // Random seeks both ways, then a step each way.
        for (int i = 0; i < 300; i++) {
          byte[] target = StoreTestSupport.randomBytes(rnd, 1 + rnd.nextInt(12));
          target[0] = (byte) rnd.nextInt(5);
          Map.Entry<byte[], byte[]> ceiling = model.ceilingEntry(target);
          it.seek(target);
          assertEquals(ceiling != null, it.isValid());
          if (ceiling != null) {
            assertArrayEquals(ceiling.getKey(), it.key());
            it.next();
            Map.Entry<byte[], byte[]> after = model.higherEntry(ceiling.getKey());
            assertEquals(after != null, it.isValid());
            if (after != null) {
              assertArrayEquals(after.getKey(), it.key());
            }
          }
          Map.Entry<byte[], byte[]> floor = model.floorEntry(target);
          it.seekForPrev(target);
          assertEquals(floor != null, it.isValid());
          if (floor != null) {
            assertArrayEquals(floor.getKey(), it.key());
            it.prev();
            Map.Entry<byte[], byte[]> before = model.lowerEntry(floor.getKey());
            assertEquals(before != null, it.isValid());
            if (before != null) {
              assertArrayEquals(before.getKey(), it.key());
            }
          }
        }
      }
    }
  }

  @Test
  void directionChangesInTheMiddle() {
    try (LsmStore store = open(dir)) {
      for (String k : new String[] {"a", "b", "c", "d"}) {
        store.put(bytes(k), bytes(k.toUpperCase()));
      }
      try (LsmIterator it = store.newIterator()) {
        it.seek(bytes("b"));
        assertEquals("b", str(it.key()));
        it.next();
        assertEquals("c", str(it.key()));
        it.prev();
        assertEquals("b", str(it.key()));
        it.prev();
        assertEquals("a", str(it.key()));
        it.prev();
        assertFalse(it.isValid());
        it.seekForPrev(bytes("bz"));
        assertEquals("b", str(it.key()));
        assertEquals("B", str(it.value()));
        it.seekForPrev(ByteBuffer.wrap(bytes("zz")));
        assertEquals("d", str(it.key()));
        it.seek(ByteBuffer.allocateDirect(2).put(bytes("bb")).flip());
        assertEquals("c", str(it.key()));
        it.seekForPrev(ByteBuffer.allocateDirect(2).put(bytes("bb")).flip());
        assertEquals("b", str(it.key()));
        it.seek(ByteBuffer.wrap(bytes("0")));
        assertEquals("a", str(it.key()));
      }
    }
  }

  @Test
  void iteratorsReadTheirSnapshot() {
    try (LsmStore store = open(dir)) {
      store.put(bytes("a"), bytes("1"));
      store.put(bytes("c"), bytes("3"));
      Snapshot snapshot = store.getSnapshot();
      ReadOptions atSnapshot = ReadOptions.builder().snapshot(snapshot).build();
      try (LsmIterator implicit = store.newIterator();
          LsmIterator explicit = store.newIterator(atSnapshot)) {
        store.put(bytes("b"), bytes("2"));
        store.delete(bytes("a"));
        store.put(bytes("c"), bytes("33"));
        store.flush();
        store.compactRange(null, null);
        assertEquals(List.of("a", "c"), forward(explicit));
        assertEquals(List.of("c", "a"), backward(explicit));
        explicit.seek(bytes("c"));
        assertEquals("3", str(explicit.value()));
        // An iterator without a snapshot reads the state when it was created.
        assertEquals(List.of("a", "c"), forward(implicit));

        // Closing the snapshot does not disturb an iterator opened on it.
        snapshot.close();
        assertEquals(List.of("a", "c"), forward(explicit));
        assertThrows(IllegalStateException.class, () -> store.newIterator(atSnapshot));
      }
      try (LsmIterator latest = store.newIterator()) {
        assertEquals(List.of("b", "c"), forward(latest));
      }
    }
  }

  @Test
  void boundsLimitEveryMove() {
    try (LsmStore store = open(dir)) {
      for (String k : new String[] {"a", "b", "c", "d", "e"}) {
        store.put(bytes(k), bytes(k));
      }
      ReadOptions bounded =
          ReadOptions.builder().lowerBound(bytes("b")).upperBound(bytes("d")).build();
      try (LsmIterator it = store.newIterator(bounded)) {
        assertEquals(List.of("b", "c"), forward(it));
        assertEquals(List.of("c", "b"), backward(it));
        it.seek(bytes("a"));
        assertEquals("b", str(it.key()));
        it.seek(bytes("d"));
        assertFalse(it.isValid());
        it.seekForPrev(bytes("z"));
        assertEquals("c", str(it.key()));
        it.seekForPrev(bytes("a"));
        assertFalse(it.isValid());
      }
      try (LsmIterator lowerOnly =
              store.newIterator(ReadOptions.builder().lowerBound(bytes("d")).build());
          LsmIterator upperOnly =
              store.newIterator(ReadOptions.builder().upperBound(bytes("b")).build())) {
        assertEquals(List.of("d", "e"), forward(lowerOnly));
        assertEquals(List.of("a"), backward(upperOnly));
      }
      try (Snapshot snapshot = store.getSnapshot()) {
        store.put(bytes("bb"), bytes("new"));
        ReadOptions both = bounded.toBuilder().snapshot(snapshot).build();
        try (LsmIterator it = store.newIterator(both)) {
          assertEquals(List.of("b", "c"), forward(it));
        }
        try (LsmIterator it = store.newIterator(bounded)) {
          assertEquals(List.of("b", "bb", "c"), forward(it));
        }
      }
    }
  }

  @Test
  void keyAndValueIntoCallerBuffers() {
    try (LsmStore store = open(dir)) {
      store.put(bytes("key-one"), bytes("value-number-one"));
      try (LsmIterator it = store.newIterator()) {
        it.seekToFirst();
        byte[] big = new byte[32];
        assertEquals(7, it.keyInto(big));
        assertEquals("key-one", new String(big, 0, 7, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(16, it.valueInto(big));
        assertEquals("value-number-one", new String(big, 0, 16,
            java.nio.charset.StandardCharsets.UTF_8));

        byte[] small = new byte[5];
        Arrays.fill(small, (byte) '#');
        assertEquals(7, it.keyInto(small, 1, 3)); // full length, 3 bytes copied
        assertEquals("#key#", str(small));
        assertEquals(16, it.valueInto(small, 0, 0));
        assertEquals("#key#", str(small));

        ByteBuffer direct = ByteBuffer.allocateDirect(32);
        direct.position(4);
        assertEquals(7, it.keyInto(direct));
        assertEquals(11, direct.position());
        assertEquals(16, it.valueInto(direct));
        assertEquals(27, direct.position());
        byte[] got = new byte[23];
        direct.get(4, got);
        assertEquals("key-onevalue-number-one", str(got));

        ByteBuffer tinyDirect = ByteBuffer.allocateDirect(3);
        assertEquals(16, it.valueInto(tinyDirect));
        assertEquals(3, tinyDirect.position());
        assertEquals('v', tinyDirect.get(0));

        ByteBuffer heap = ByteBuffer.allocate(20).position(2).slice(); // array offset 2
        assertEquals(7, it.keyInto(heap));
        assertEquals(7, heap.position());
        assertEquals("key-one", new String(heap.array(), 2, 7,
            java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void largeValuesAndManyEntriesStream() {
    long seed = StoreTestSupport.seed("largeValuesAndManyEntriesStream");
    Random rnd = new Random(seed);
    try (LsmStore store = open(dir)) {
      byte[] big = StoreTestSupport.randomBytes(rnd, 1 << 20);
      store.put(bytes("m-big"), big);
      for (int i = 0; i < 2000; i++) {
        store.put(bytes(String.format("n%05d", i)), bytes("v" + i));
      }
      try (LsmIterator it = store.newIterator()) {
        it.seek(bytes("m"));
        assertArrayEquals(big, it.value());
        ByteBuffer reused = ByteBuffer.allocateDirect(64);
        int count = 0;
        for (it.next(); it.isValid(); it.next()) {
          reused.clear();
          int n = it.valueInto(reused);
          assertEquals(n, reused.position());
          count++;
        }
        assertEquals(2000, count);
      }
    }
  }
}
