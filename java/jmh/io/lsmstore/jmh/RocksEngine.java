package io.lsmstore.jmh;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/** {@link Engine} over RocksJava. RocksDBException becomes IllegalStateException. */
final class RocksEngine implements Engine {
  static {
    RocksDB.loadLibrary();
  }

  private final Options options;
  private final LRUCache cache;
  private final BloomFilter bloom;
  private final WriteOptions writeOptions = new WriteOptions();
  private final ReadOptions readOptions = new ReadOptions();
  private final RocksDB db;

  RocksEngine(Path dir, Shape shape) {
    options = new Options().setCreateIfMissing(true);
    if (shape == Shape.SHARED) {
      cache = new LRUCache(64L << 20);
      bloom = new BloomFilter(10, false);
      options.setTableFormatConfig(new BlockBasedTableConfig()
              .setBlockCache(cache)
              .setFilterPolicy(bloom)
              .setBlockSize(4096))
          .setWriteBufferSize(64L << 20)
          .setCompressionType(CompressionType.SNAPPY_COMPRESSION)
          .setTargetFileSizeBase(64L << 20)
          .setMaxBytesForLevelBase(256L << 20)
          .setLevel0FileNumCompactionTrigger(4)
          .setLevel0SlowdownWritesTrigger(20)
          .setLevel0StopWritesTrigger(36)
          .setMaxBackgroundJobs(2)
          .setMaxOpenFiles(1000);
    } else {
      cache = null;
      bloom = null;
    }
    try {
      db = RocksDB.open(options, dir.toString());
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void put(byte[] key, byte[] value) {
    try {
      db.put(writeOptions, key, value);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public byte[] get(byte[] key) {
    try {
      return db.get(readOptions, key);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void put(ByteBuffer key, ByteBuffer value) {
    try {
      db.put(writeOptions, key, value);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public int get(ByteBuffer key, ByteBuffer out) {
    try {
      return db.get(readOptions, key, out);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void writeBatch(byte[][] keys, byte[][] values) {
    try (WriteBatch batch = new WriteBatch()) {
      for (int i = 0; i < keys.length; i++) {
        batch.put(keys[i], values[i]);
      }
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void flush() {
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush);
    } catch (RocksDBException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Cursor newCursor() {
    RocksIterator it = db.newIterator(readOptions);
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
    db.close();
    readOptions.close();
    writeOptions.close();
    options.close();
    if (cache != null) {
      cache.close();
      bloom.close();
    }
  }
}
