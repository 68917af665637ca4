package io.lsmstore.kafka;

import io.lsmstore.LsmStore;
import io.lsmstore.MemoryUsage;
import io.lsmstore.Statistics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.MeasurableStat;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

/**
 * The store's metrics, under the names Kafka Streams gives the same figures of its RocksDB
 * stores: group {@code stream-state-metrics}, tags {@code thread-id}, {@code task-id} and {@code
 * lsm-state-id} (the two compaction totals follow the same pattern; RocksDB's store reports
 * those figures only as rates). Each is read from the engine when the metric is read (lsm keeps its statistics
 * always), so none costs anything on the write or read path. Totals count since the store was
 * opened; the hit ratio too.
 */
final class LsmStoreMetrics {
  static final String GROUP = "stream-state-metrics";
  static final String STORE_TAG = LsmKeyValueBytesStoreSupplier.METRICS_SCOPE + "-state-id";

  /** The metrics: name, description, and how each is computed from the engine. */
  static final Map<String, Metric> METRICS = new LinkedHashMap<>();

  private static void define(String name, String description, ToDoubleFunction<LsmStore> f) {
    METRICS.put(name, new Metric(description, f));
  }

  static {
    define("bytes-written-total", "Bytes written to the store (keys and values)",
        s -> s.statistics().bytesWritten());
    define("bytes-read-total", "Bytes read from the store (keys and values)",
        s -> s.statistics().bytesRead());
    define("memtable-bytes-flushed-total", "Bytes written from memtables to table files",
        s -> s.statistics().flushBytesWritten());
    define("bytes-read-compaction-total", "Bytes read by compactions",
        s -> s.statistics().compactionBytesRead());
    define("bytes-written-compaction-total", "Bytes written by compactions",
        s -> s.statistics().compactionBytesWritten());
    define("write-stall-duration-total", "Time writes waited for flushes or compactions, in ms",
        s -> s.statistics().stall().toNanos() / 1e6);
    define("block-cache-data-hit-ratio",
        "Block cache hits over block cache lookups (NaN before the first lookup)",
        s -> hitRatio(s.statistics()));
    define("cur-size-active-mem-table", "Bytes in the active memtable",
        s -> s.memoryUsage().activeMemtable());
    define("cur-size-all-mem-tables", "Bytes in the active and the frozen memtables",
        s -> memtables(s.memoryUsage()));
    define("size-all-mem-tables", "Bytes in the active and the frozen memtables",
        s -> memtables(s.memoryUsage()));
    define("block-cache-usage", "Bytes in the block cache", s -> s.memoryUsage().blockCache());
    define("block-cache-capacity", "Capacity of the block cache in bytes",
        s -> s.memoryUsage().blockCacheCapacity());
    define("estimate-table-readers-mem", "Bytes held by open table readers",
        s -> s.memoryUsage().tableReaders());
    define("estimate-num-keys", "Estimated number of live keys", s -> s.estimateNumKeys());
  }

  static double hitRatio(Statistics st) {
    long lookups = st.blockCacheHits() + st.blockCacheMisses();
    return lookups == 0 ? Double.NaN : (double) st.blockCacheHits() / lookups;
  }

  private static double memtables(MemoryUsage m) {
    return m.activeMemtable() + m.frozenMemtables();
  }

  static final class Metric {
    final String description;
    final ToDoubleFunction<LsmStore> value;

    Metric(String description, ToDoubleFunction<LsmStore> value) {
      this.description = description;
      this.value = value;
    }
  }

  /** A metric whose value is computed when it is read; recording does nothing. */
  private static final class EngineValue implements MeasurableStat {
    private final LsmStore store;
    private final ToDoubleFunction<LsmStore> value;

    EngineValue(LsmStore store, ToDoubleFunction<LsmStore> value) {
      this.store = store;
      this.value = value;
    }

    @Override
    public void record(MetricConfig config, double v, long timeMs) {}

    @Override
    public double measure(MetricConfig config, long now) {
      try {
        return value.applyAsDouble(store);
      } catch (IllegalStateException closed) {
        return Double.NaN; // read while the store closes
      }
    }
  }

  private final StreamsMetrics streamsMetrics;
  private final List<Sensor> sensors;

  private LsmStoreMetrics(StreamsMetrics streamsMetrics, List<Sensor> sensors) {
    this.streamsMetrics = streamsMetrics;
    this.sensors = sensors;
  }

  /** Adds the metrics of {@code store} to {@code streamsMetrics}; {@link #remove()} takes them out. */
  static LsmStoreMetrics register(
      StreamsMetrics streamsMetrics, String threadId, String taskId, String storeName,
      LsmStore store) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("thread-id", threadId);
    tags.put("task-id", taskId);
    tags.put(STORE_TAG, storeName);
    List<Sensor> sensors = new ArrayList<>();
    for (Map.Entry<String, Metric> m : METRICS.entrySet()) {
      String sensorName =
          String.join(".", "thread", threadId, "task", taskId, "lsm", storeName, m.getKey());
      Sensor sensor = streamsMetrics.addSensor(sensorName, Sensor.RecordingLevel.INFO);
      sensor.add(
          new MetricName(m.getKey(), GROUP, m.getValue().description, tags),
          new EngineValue(store, m.getValue().value));
      sensors.add(sensor);
    }
    return new LsmStoreMetrics(streamsMetrics, sensors);
  }

  void remove() {
    for (Sensor s : sensors) {
      streamsMetrics.removeSensor(s);
    }
    sensors.clear();
  }
}
