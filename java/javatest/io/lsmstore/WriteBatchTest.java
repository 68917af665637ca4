package io.lsmstore;

import static io.lsmstore.StoreTestSupport.bytes;
import static io.lsmstore.StoreTestSupport.open;
import static io.lsmstore.StoreTestSupport.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBatchTest {
  @TempDir Path dir;

  @Test
  void encodingIsTheEnginesBatchFormat() {
    try (WriteBatch batch = new WriteBatch(0)) {
      batch.put(bytes("ab"), bytes("xyz")).delete(bytes("k"));
      byte[] expected = {
        0, 0, 0, 0, 0, 0, 0, 0, // sequence u64le, 0
        2, 0, 0, 0, // count u32le
        1, 2, 0, 0, 0, 3, 0, 0, 0, 'a', 'b', 'x', 'y', 'z', // put
        0, 1, 0, 0, 0, 0, 0, 0, 0, 'k', // delete: value length 0, no value
      };
      assertEquals(expected.length, batch.approximateSize());
      assertEquals(2, batch.count());
      assertArrayEquals(expected, Arrays.copyOf(batch.encoded(), batch.encodedSize()));
    }
  }

  @Test
  void aBatchAppliesEveryUpdate() {
    try (LsmStore store = open(dir); WriteBatch batch = new WriteBatch()) {
      store.put(bytes("gone"), bytes("soon"));
      batch.put(bytes("a"), bytes("1"))
          .put(bytes("b"), new byte[0])
          .delete(bytes("gone"))
          .put(bytes("a"), bytes("2")); // later entries win
      store.write(batch);
      assertEquals("2", str(store.get(bytes("a"))));
      assertArrayEquals(new byte[0], store.get(bytes("b")));
      assertNull(store.get(bytes("gone")));

      // The batch is unchanged by write and can be cleared and reused.
      assertEquals(4, batch.count());
      batch.clear();
      assertEquals(0, batch.count());
      assertEquals(WriteBatch.HEADER_SIZE, batch.approximateSize());
      store.write(batch); // empty: a no-op
      batch.put(bytes("c"), bytes("3"));
      store.write(WriteOptions.SYNC, batch);
      assertEquals("3", str(store.get(bytes("c"))));
    }
  }

  @Test
  void slicesBuffersAndAppend() {
    try (LsmStore store = open(dir);
        WriteBatch first = new WriteBatch();
        WriteBatch second = new WriteBatch()) {
      byte[] source = bytes("__key__value__");
      first.put(source, 2, 3, source, 7, 5);
      ByteBuffer directKey = ByteBuffer.allocateDirect(4).put(bytes("dkey")).flip();
      ByteBuffer heapValue = ByteBuffer.wrap(bytes("__dval")).position(2);
      second.put(directKey, heapValue);
      assertEquals(0, directKey.position()); // positions unchanged
      assertEquals(2, heapValue.position());
      second.delete(source, 2, 3);
      second.delete(ByteBuffer.wrap(bytes("none")));
      first.append(second);
      assertEquals(4, first.count());
      first.append(first); // self-append doubles it
      assertEquals(8, first.count());
      store.write(first);
      assertNull(store.get(bytes("key")));
      assertEquals("dval", str(store.get(bytes("dkey"))));
    }
  }

  @Test
  void manyEntriesAndLargeValuesGrowTheBuffer() {
    try (LsmStore store = open(dir); WriteBatch batch = new WriteBatch(16)) {
      byte[] big = new byte[1 << 20];
      Arrays.fill(big, (byte) 7);
      batch.put(bytes("big"), big);
      for (int i = 0; i < 10_000; i++) {
        batch.put(bytes("k" + i), bytes("v" + i));
      }
      store.write(batch);
      assertArrayEquals(big, store.get(bytes("big")));
      assertEquals("v9999", str(store.get(bytes("k9999"))));
    }
  }

  @Test
  void anInvalidBatchAppliesNothing() {
    try (LsmStore store = open(dir); WriteBatch batch = new WriteBatch()) {
      batch.put(bytes("fine"), bytes("1"));
      batch.put(new byte[(64 << 10) + 1], bytes("key too long"));
      LsmException e = assertThrows(LsmException.class, () -> store.write(batch));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
      assertNull(store.get(bytes("fine")));
    }
  }

  @Test
  void closedBatchRefusesUse() {
    WriteBatch batch = new WriteBatch();
    batch.put(bytes("a"), bytes("b"));
    batch.close();
    batch.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> batch.put(bytes("a"), bytes("b")));
    assertThrows(IllegalStateException.class, () -> batch.delete(bytes("a")));
    assertThrows(IllegalStateException.class, batch::count);
    assertThrows(IllegalStateException.class, batch::clear);
    try (LsmStore store = open(dir)) {
      assertThrows(IllegalStateException.class, () -> store.write(batch));
    }
  }

  @Test
  void nullsAndBadRangesAreRejected() {
    try (WriteBatch batch = new WriteBatch()) {
      assertThrows(NullPointerException.class, () -> batch.put(null, bytes("v")));
      assertThrows(NullPointerException.class, () -> batch.put(bytes("k"), null));
      assertThrows(NullPointerException.class, () -> batch.delete((byte[]) null));
      assertThrows(NullPointerException.class, () -> batch.put((ByteBuffer) null, null));
      assertThrows(NullPointerException.class, () -> batch.append(null));
      assertThrows(IndexOutOfBoundsException.class,
          () -> batch.put(bytes("k"), 0, 2, bytes("v"), 0, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> batch.delete(bytes("k"), -1, 1));
      assertThrows(IllegalArgumentException.class, () -> new WriteBatch(-1));
      assertEquals(0, batch.count()); // failed calls added nothing
    }
  }

  @Test
  void aClosedBatchLeavesItsBufferToTheNextOneOnItsThread() {
    try (LsmStore store = open(dir)) {
      WriteBatch first = new WriteBatch();
      for (int i = 0; i < 100; i++) {
        first.put(bytes("old" + i), new byte[100]);
      }
      byte[] grown = first.encoded();
      first.close();

      WriteBatch second = new WriteBatch();
      assertSame(grown, second.encoded(), "the closed batch's buffer is reused");
      assertEquals(0, second.count());
      assertEquals(WriteBatch.HEADER_SIZE, second.approximateSize());
      // Only the new entries are encoded and applied; nothing of the old batch leaks in.
      second.put(bytes("ab"), bytes("xyz")).delete(bytes("k"));
      byte[] expected = {
        0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
        1, 2, 0, 0, 0, 3, 0, 0, 0, 'a', 'b', 'x', 'y', 'z',
        0, 1, 0, 0, 0, 0, 0, 0, 0, 'k',
      };
      assertArrayEquals(expected, Arrays.copyOf(second.encoded(), second.encodedSize()));
      store.write(second);
      assertEquals("xyz", str(store.get(bytes("ab"))));
      assertNull(store.get(bytes("old0")));

      // Two open batches never share a buffer.
      WriteBatch third = new WriteBatch();
      assertNotSame(second.encoded(), third.encoded());
      // A spare smaller than the requested capacity is not used.
      second.close();
      WriteBatch large = new WriteBatch(grown.length + 1);
      assertNotSame(grown, large.encoded());
      assertTrue(large.encoded().length > grown.length);
      third.close();
      large.close();
    }
  }

  @Test
  void buffersOverThePoolLimitAreNotKept() {
    WriteBatch big = new WriteBatch(WriteBatch.POOL_MAX + 1);
    byte[] buffer = big.encoded();
    big.close();
    WriteBatch next = new WriteBatch();
    assertNotSame(buffer, next.encoded());
    next.close();
  }

  @Test
  void aBatchClosedOnAnotherThreadLeavesItsBufferThere() throws Exception {
    WriteBatch batch = new WriteBatch(5000);
    byte[] buffer = batch.encoded();
    byte[][] seen = new byte[1][];
    Thread other = new Thread(() -> {
      batch.close();
      try (WriteBatch there = new WriteBatch()) {
        seen[0] = there.encoded();
      }
    });
    other.start();
    other.join();
    assertSame(buffer, seen[0]);
    try (WriteBatch here = new WriteBatch(5000)) {
      assertNotSame(buffer, here.encoded());
    }
  }
}
