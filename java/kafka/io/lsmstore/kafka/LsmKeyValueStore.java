package io.lsmstore.kafka;

import io.lsmstore.LsmException;
import io.lsmstore.LsmIterator;
import io.lsmstore.LsmStore;
import io.lsmstore.Options;
import io.lsmstore.ReadOptions;
import io.lsmstore.Status;
import io.lsmstore.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.BatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.ResultOrder;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A Kafka Streams key-value store over one {@link LsmStore}: the innermost layer that Kafka
 * Streams wraps with its changelogging, caching and metered stores, as it wraps its own RocksDB
 * store.
 *
 * <p>Keys are ordered as unsigned bytes (lsm's order and {@link Bytes}' order alike), so ranges
 * and prefix scans return what Kafka's RocksDB store returns. A null value deletes, as in every
 * Kafka Streams store. Updates reach the operating system before they return (lsm's write-ahead
 * log), so a crashed process loses none of them; {@link #commit(Map)} syncs the log, so the
 * changelog offsets Kafka Streams records after it hold after a power loss too.
 *
 * <p>Writes come from the one stream thread that owns the task; reads may also come from other
 * threads through interactive queries, which lsm allows.
 */
final class LsmKeyValueStore implements KeyValueStore<Bytes, byte[]> {
  /** The directory under the task's state directory that holds the stores of this kind. */
  static final String PARENT_DIR = "lsm";

  private final String name;
  private final Options options;
  private final Set<LsmKeyValueIterator> openIterators = ConcurrentHashMap.newKeySet();

  private volatile LsmStore store;
  private volatile boolean open;
  private StateStoreContext context;
  private LsmStoreMetrics metrics;
  private Path dir;
  private Position position = Position.emptyPosition();

  /**
   * Whether an update was written since the last sync of the log: {@link #commit(Map)} syncs
   * only then. Guarded by this.
   */
  private boolean unsynced;

  LsmKeyValueStore(String name, Options options) {
    this.name = name;
    this.options = options;
  }

  @Override
  public String name() {
    return name;
  }

  /** The engine's store while this one is open (for tests), else null. */
  LsmStore engine() {
    return store;
  }

  /** The store's directory, set by {@link #init}. */
  Path directory() {
    return dir;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    Objects.requireNonNull(context, "context");
    Path target = context.stateDir().toPath().resolve(PARENT_DIR).resolve(name);
    try {
      Files.createDirectories(target);
    } catch (IOException e) {
      throw new ProcessorStateException(
          "Error creating the directory " + target + " of the lsm store " + name, e);
    }
    LsmStore opened;
    try {
      opened = LsmStore.open(target, options);
    } catch (LsmException e) {
      String why =
          e.code() == Status.Code.FAILED_PRECONDITION && !options.errorIfExists()
              ? "it is locked by another open store or process"
              : "the engine reported " + e.status();
      throw new ProcessorStateException(
          "Error opening the lsm store " + name + " at " + target + ": " + why, e);
    }
    try {
      synchronized (this) {
        // Kafka Streams may initialise a store again after closing it (say, when it wipes a
        // corrupted task's state): start from nothing.
        position = Position.emptyPosition();
        unsynced = false;
      }
      this.context = context;
      this.dir = target;
      this.store = opened;
      this.open = true;
      this.metrics =
          LsmStoreMetrics.register(
              context.metrics(), Thread.currentThread().getName(), context.taskId().toString(),
              name, opened);
      context.register(root, (BatchingStateRestoreCallback) this::restoreAll);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Applies a batch of changelog records (a null value deletes) in one write. */
  private void restoreAll(Collection<KeyValue<byte[], byte[]>> records) {
    LsmStore s = checkOpen();
    if (records.isEmpty()) {
      return;
    }
    try (WriteBatch batch = new WriteBatch()) {
      for (KeyValue<byte[], byte[]> r : records) {
        if (r.value == null) {
          batch.delete(r.key);
        } else {
          batch.put(r.key, r.value);
        }
      }
      s.write(batch);
    } catch (LsmException e) {
      throw new ProcessorStateException("Error restoring the lsm store " + name, e);
    }
    markUnsynced();
  }

  private LsmStore checkOpen() {
    LsmStore s = store;
    if (!open || s == null) {
      throw new InvalidStateStoreException("Store " + name + " is currently closed");
    }
    return s;
  }

  /** A read that raced with {@link #close()}: the LsmStore was closed after the check. */
  private InvalidStateStoreException closedUnderUs(IllegalStateException e) {
    return new InvalidStateStoreException("Store " + name + " is currently closed", e);
  }

  /** Records the offset of the record being processed, as Kafka's own stores do. */
  private void updatePosition() {
    if (context == null) {
      return;
    }
    context
        .recordMetadata()
        .filter(m -> m.offset() >= 0 && m.topic() != null)
        .ifPresent(this::advance);
  }

  private synchronized void advance(RecordMetadata m) {
    position = position.withComponent(m.topic(), m.partition(), m.offset());
  }

  // ------------------------------------------------------------------------------------------
  // Writes
  // ------------------------------------------------------------------------------------------

  @Override
  public synchronized void put(Bytes key, byte[] value) {
    Objects.requireNonNull(key, "key");
    LsmStore s = checkOpen();
    try {
      if (value == null) {
        s.delete(key.get());
      } else {
        s.put(key.get(), value);
      }
    } catch (LsmException e) {
      throw new ProcessorStateException("Error writing to the lsm store " + name, e);
    }
    markUnsynced();
    updatePosition();
  }

  private synchronized void markUnsynced() {
    unsynced = true;
  }

  @Override
  public synchronized byte[] putIfAbsent(Bytes key, byte[] value) {
    Objects.requireNonNull(key, "key");
    byte[] old = get(key);
    if (old == null) {
      put(key, value);
    }
    return old;
  }

  /** Writes every entry in one {@link WriteBatch}: atomically. */
  @Override
  public synchronized void putAll(List<KeyValue<Bytes, byte[]>> entries) {
    LsmStore s = checkOpen();
    if (entries.isEmpty()) {
      return;
    }
    try (WriteBatch batch = new WriteBatch()) {
      for (KeyValue<Bytes, byte[]> e : entries) {
        Objects.requireNonNull(e.key, "key");
        if (e.value == null) {
          batch.delete(e.key.get());
        } else {
          batch.put(e.key.get(), e.value);
        }
      }
      s.write(batch);
    } catch (LsmException e) {
      throw new ProcessorStateException("Error writing to the lsm store " + name, e);
    }
    markUnsynced();
    updatePosition();
  }

  @Override
  public synchronized byte[] delete(Bytes key) {
    Objects.requireNonNull(key, "key");
    byte[] old = get(key);
    LsmStore s = checkOpen();
    try {
      s.delete(key.get());
    } catch (LsmException e) {
      throw new ProcessorStateException("Error deleting from the lsm store " + name, e);
    }
    markUnsynced();
    updatePosition();
    return old;
  }

  // ------------------------------------------------------------------------------------------
  // Reads
  // ------------------------------------------------------------------------------------------

  @Override
  public byte[] get(Bytes key) {
    Objects.requireNonNull(key, "key");
    LsmStore s = checkOpen();
    try {
      return s.get(key.get());
    } catch (LsmException e) {
      throw new ProcessorStateException("Error reading from the lsm store " + name, e);
    } catch (IllegalStateException e) {
      throw closedUnderUs(e);
    }
  }

  /** Keys in {@code [from, to]}; a null bound is an open end; empty when from sorts after to. */
  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    return rangeIterator(from, to, true);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
    return rangeIterator(from, to, false);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    return rangeIterator(null, null, true);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseAll() {
    return rangeIterator(null, null, false);
  }

  /** Every key that starts with the serialized {@code prefix}, in key order. */
  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(
      P prefix, PS prefixKeySerializer) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(prefixKeySerializer, "prefixKeySerializer");
    byte[] lower = prefixKeySerializer.serialize(null, prefix);
    byte[] upper = prefixEnd(lower);
    return iterator(lower, upper, true);
  }

  /** The first key after every key that starts with {@code prefix}, or null when none is. */
  static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xff) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return null;
  }

  /** {@code key} followed by a zero byte: the first key after {@code key}. */
  private static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  private KeyValueIterator<Bytes, byte[]> rangeIterator(Bytes from, Bytes to, boolean forward) {
    if (from != null && to != null && from.compareTo(to) > 0) {
      checkOpen();
      return LsmKeyValueIterator.empty();
    }
    return iterator(
        from == null ? null : from.get(), to == null ? null : successor(to.get()), forward);
  }

  /** An iterator over {@code [lower, upper)} (null: open end). */
  private KeyValueIterator<Bytes, byte[]> iterator(byte[] lower, byte[] upper, boolean forward) {
    LsmStore s = checkOpen();
    ReadOptions.Builder ro = ReadOptions.builder();
    if (lower != null) {
      ro.lowerBound(lower);
    }
    if (upper != null) {
      ro.upperBound(upper);
    }
    LsmIterator it;
    try {
      it = s.newIterator(ro.build());
    } catch (LsmException e) {
      throw new ProcessorStateException("Error reading from the lsm store " + name, e);
    } catch (IllegalStateException e) {
      throw closedUnderUs(e);
    }
    LsmKeyValueIterator kv = new LsmKeyValueIterator(name, it, lower, upper, forward, openIterators);
    openIterators.add(kv);
    return kv;
  }

  @Override
  public long approximateNumEntries() {
    LsmStore s = checkOpen();
    return s.estimateNumKeys();
  }

  // ------------------------------------------------------------------------------------------
  // Interactive queries
  // ------------------------------------------------------------------------------------------

  @Override
  @SuppressWarnings("unchecked")
  public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
    long start = System.nanoTime();
    Position current;
    synchronized (this) {
      current = position.copy();
    }
    QueryResult<R> result;
    if (!open) {
      result =
          QueryResult.forFailure(FailureReason.STORE_EXCEPTION, "Store " + name + " is closed");
    } else if (!isWithin(bound, current)) {
      result = QueryResult.notUpToBound(current, bound, null);
    } else if (query instanceof KeyQuery) {
      KeyQuery<Bytes, byte[]> keyQuery = (KeyQuery<Bytes, byte[]>) query;
      result = (QueryResult<R>) QueryResult.forResult(get(keyQuery.getKey()));
    } else if (query instanceof RangeQuery) {
      RangeQuery<Bytes, byte[]> rangeQuery = (RangeQuery<Bytes, byte[]>) query;
      Bytes lower = rangeQuery.getLowerBound().orElse(null);
      Bytes upper = rangeQuery.getUpperBound().orElse(null);
      boolean forward = rangeQuery.resultOrder() != ResultOrder.DESCENDING;
      result = (QueryResult<R>) QueryResult.forResult(rangeIterator(lower, upper, forward));
    } else {
      result = QueryResult.forUnknownQueryType(query, this);
    }
    if (config != null && config.isCollectExecutionInfo()) {
      result.addExecutionInfo(
          "Handled in " + getClass() + " " + name + " in " + (System.nanoTime() - start) + "ns");
    }
    result.setPosition(current);
    return result;
  }

  /** Whether {@code current} has reached every offset {@code bound} asks for. */
  private static boolean isWithin(PositionBound bound, Position current) {
    if (bound == null || bound.isUnbounded()) {
      return true;
    }
    Position wanted = bound.position();
    for (String topic : wanted.getTopics()) {
      Map<Integer, Long> have = current.getPartitionPositions(topic);
      for (Map.Entry<Integer, Long> p : wanted.getPartitionPositions(topic).entrySet()) {
        Long offset = have.get(p.getKey());
        if (offset == null || offset < p.getValue()) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public synchronized Position getPosition() {
    return position;
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle
  // ------------------------------------------------------------------------------------------

  /**
   * Called by Kafka Streams before it records the changelog offsets the store has reached: makes
   * every update so far durable, so those offsets hold after a power loss too. Updates reach the
   * operating system before they return (lsm's write-ahead log), so this is one fdatasync of the
   * log ({@link LsmStore#syncWal()}), which writes nothing. Nothing is done when nothing was
   * updated since the last commit.
   */
  @Override
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    syncUpdates();
  }

  /**
   * As {@link #commit(Map)}.
   *
   * @deprecated as {@link StateStore#flush()}: Kafka Streams calls {@link #commit(Map)}
   */
  @Deprecated
  @Override
  public void flush() {
    syncUpdates();
  }

  private synchronized void syncUpdates() {
    LsmStore s = store;
    if (!open || s == null || !unsynced) {
      return;
    }
    try {
      s.syncWal();
    } catch (LsmException e) {
      throw new ProcessorStateException("Error syncing the lsm store " + name, e);
    } catch (IllegalStateException e) {
      throw closedUnderUs(e);
    }
    unsynced = false;
  }

  /** Closes the iterators left open, then the store; idempotent. */
  @Override
  public synchronized void close() {
    if (!open) {
      return;
    }
    open = false;
    for (LsmKeyValueIterator it : openIterators) {
      it.close();
    }
    if (metrics != null) {
      metrics.remove();
      metrics = null;
    }
    store.close();
    store = null;
  }

  @Override
  public boolean persistent() {
    return true;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** How many iterators of this store are open. */
  int openIterators() {
    return openIterators.size();
  }
}
