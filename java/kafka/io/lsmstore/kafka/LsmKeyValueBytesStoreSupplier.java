package io.lsmstore.kafka;

import io.lsmstore.Options;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/** Supplies a new {@link LsmKeyValueStore} per task; see {@link LsmStores}. */
final class LsmKeyValueBytesStoreSupplier implements KeyValueBytesStoreSupplier {
  /** The scope of the store's metrics: their tag is {@code lsm-state-id}. */
  static final String METRICS_SCOPE = "lsm";

  private final String name;
  private final Options options;

  LsmKeyValueBytesStoreSupplier(String name, Options options) {
    this.name = name;
    this.options = options;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public KeyValueStore<Bytes, byte[]> get() {
    return new LsmKeyValueStore(name, options);
  }

  @Override
  public String metricsScope() {
    return METRICS_SCOPE;
  }
}
