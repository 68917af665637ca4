package example;

import io.lsmstore.LsmIterator;
import io.lsmstore.LsmStore;
import io.lsmstore.WriteBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Stock counts per item, kept in an lsmstore: keys are item names, values decimal counts. */
public final class Inventory implements AutoCloseable {
  private final LsmStore store;

  public Inventory(Path dir) {
    this.store = LsmStore.open(dir);
  }

  public void set(String item, long count) {
    store.put(utf8(item), utf8(Long.toString(count)));
  }

  /** Sets several counts atomically. */
  public void setAll(Map<String, Long> counts) {
    try (WriteBatch batch = new WriteBatch()) {
      counts.forEach((item, count) -> batch.put(utf8(item), utf8(Long.toString(count))));
      store.write(batch);
    }
  }

  /** The count of {@code item}, or -1 if it is unknown. */
  public long get(String item) {
    byte[] v = store.get(utf8(item));
    return v == null ? -1 : Long.parseLong(new String(v, StandardCharsets.UTF_8));
  }

  public void remove(String item) {
    store.delete(utf8(item));
  }

  /** Every item whose name starts with {@code prefix}, in name order. */
  public Map<String, Long> withPrefix(String prefix) {
    Map<String, Long> out = new LinkedHashMap<>();
    byte[] from = utf8(prefix);
    try (LsmIterator it = store.newIterator()) {
      for (it.seek(from); it.isValid(); it.next()) {
        String item = new String(it.key(), StandardCharsets.UTF_8);
        if (!item.startsWith(prefix)) {
          break;
        }
        out.put(item, Long.parseLong(new String(it.value(), StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  @Override
  public void close() {
    store.close();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Writes, reads and scans a store in the directory given as the first argument. */
  public static void main(String[] args) {
    try (Inventory inventory = new Inventory(Path.of(args[0]))) {
      inventory.setAll(Map.of("fruit/apple", 3L, "fruit/pear", 5L, "veg/leek", 2L));
      System.out.println("fruit/apple = " + inventory.get("fruit/apple"));
      System.out.println("fruit: " + inventory.withPrefix("fruit/"));
    }
  }
}
