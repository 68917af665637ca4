package io.lsmstore.jmh;

import io.lsmstore.Compression;
import io.lsmstore.LsmIterator;
import io.lsmstore.LsmStore;
import io.lsmstore.Options;
import io.lsmstore.WriteBatch;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** {@link Engine} over io.lsmstore. */
final class LsmEngine implements Engine {
  /** The shared shape (see {@link Engine.Shape#SHARED}). */
  private static final Options SHARED = Options.builder()
      .bloomBitsPerKey(10)
      .blockCacheCapacity(64L << 20)
      .writeBufferSize(64L << 20)
      .blockSize(4096)
      .compression(Compression.SNAPPY)
      .targetFileSize(64L << 20)
      .maxBytesForLevelBase(256L << 20)
      .levelSizeMultiplier(10)
      .level0CompactionTrigger(4)
      .level0SlowdownWritesTrigger(20)
      .level0StopWritesTrigger(36)
      .maxBackgroundJobs(2)
      .maxOpenFiles(1000)
      .build();

  private final LsmStore store;

  LsmEngine(Path dir, Shape shape) {
    // The report tells from this line whether lsm's two shapes ran one configuration.
    System.out.println("lsm defaults equal the shared shape: " + defaultsAreShared());
    store = LsmStore.open(dir, shape == Shape.SHARED ? SHARED : Options.defaults());
  }

  /** Whether lsm's default options are the shared shape (Options has no equals: compare text). */
  static boolean defaultsAreShared() {
    return Options.defaults().toString().equals(SHARED.toString());
  }

  @Override
  public void put(byte[] key, byte[] value) {
    store.put(key, value);
  }

  @Override
  public byte[] get(byte[] key) {
    return store.get(key);
  }

  @Override
  public void put(ByteBuffer key, ByteBuffer value) {
    store.put(key, value);
  }

  @Override
  public int get(ByteBuffer key, ByteBuffer out) {
    return store.get(key, out);
  }

  @Override
  public void writeBatch(byte[][] keys, byte[][] values) {
    try (WriteBatch batch = new WriteBatch()) {
      for (int i = 0; i < keys.length; i++) {
        batch.put(keys[i], values[i]);
      }
      store.write(batch);
    }
  }

  @Override
  public void flush() {
    store.flush();
  }

  @Override
  public Cursor newCursor() {
    LsmIterator it = store.newIterator();
    return new Cursor() {
      @Override
      public void seekToFirst() {
        it.seekToFirst();
      }

      @Override
      public void seekToLast() {
        it.seekToLast();
      }

      @Override
      public void seek(byte[] target) {
        it.seek(target);
      }

      @Override
      public boolean isValid() {
        return it.isValid();
      }

      @Override
      public void next() {
        it.next();
      }

      @Override
      public void prev() {
        it.prev();
      }

      @Override
      public byte[] key() {
        return it.key();
      }

      @Override
      public byte[] value() {
        return it.value();
      }

      @Override
      public void close() {
        it.close();
      }
    };
  }

  @Override
  public void close() {
    store.close();
  }
}
