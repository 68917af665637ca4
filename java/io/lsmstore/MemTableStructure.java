package io.lsmstore;

/** The sorted structure of each memtable; mirrors {@code lsm::MemTableStructure}. */
public enum MemTableStructure {
  /**
   * A linked list of the entries in key order with a B+tree over it, whose nodes keep 8 bytes of
   * each key side by side: a search or an insert reads a few adjacent cache lines per tree level.
   * The default.
   */
  BTREE(0),
  /**
   * A skiplist: less memory per entry (163 bytes against 192 for a 16-byte key and a 100-byte
   * value), so a write buffer of a given size holds more entries, but a search is a chain of
   * dependent cache misses, 2 to 3 times slower once the memtable outgrows the CPU caches.
   */
  SKIP_LIST(1);

  private final int value;

  MemTableStructure(int value) {
    this.value = value;
  }

  int nativeValue() {
    return value;
  }
}
