package io.lsmstore.kafka.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Records each restoration Kafka Streams reports: per changelog partition, when it started and
 * ended and how many records it restored. Safe to read from any thread.
 */
public final class RestoreRecorder implements StateRestoreListener {
  /** One changelog partition's restoration. */
  public static final class Restore {
    public final TopicPartition partition;
    public final long startNanos;
    public long endNanos = -1; // -1 while restoring
    public long records;

    Restore(TopicPartition partition, long startNanos) {
      this.partition = partition;
      this.startNanos = startNanos;
    }

    public double millis() {
      return (endNanos - startNanos) / 1e6;
    }
  }

  private final Map<String, Restore> restores = new TreeMap<>();
  private final Consumer<Restore> onEnd;

  public RestoreRecorder() {
    this(r -> {});
  }

  /** Also calls {@code onEnd} with each restoration that ends. */
  public RestoreRecorder(Consumer<Restore> onEnd) {
    this.onEnd = onEnd;
  }

  @Override
  public synchronized void onRestoreStart(
      TopicPartition partition, String store, long startOffset, long endOffset) {
    restores.put(partition.toString(), new Restore(partition, System.nanoTime()));
  }

  @Override
  public synchronized void onBatchRestored(
      TopicPartition partition, String store, long batchEndOffset, long numRestored) {}

  @Override
  public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
    Restore r;
    synchronized (this) {
      r = restores.get(partition.toString());
      if (r == null) {
        return;
      }
      r.endNanos = System.nanoTime();
      r.records = totalRestored;
    }
    onEnd.accept(r);
  }

  /** The finished restorations, by partition. */
  public synchronized Map<TopicPartition, Restore> finished() {
    Map<TopicPartition, Restore> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    for (Restore r : restores.values()) {
      if (r.endNanos >= 0) {
        out.put(r.partition, r);
      }
    }
    return out;
  }

  public synchronized void clear() {
    restores.clear();
  }
}
