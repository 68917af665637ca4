package io.lsmstore.kafka;

import io.lsmstore.LsmException;
import io.lsmstore.LsmIterator;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.internals.ManagedKeyValueIterator;

/**
 * A {@link KeyValueIterator} over an {@link LsmIterator} bounded to {@code [lower, upper)},
 * forward or backward. {@link #close()} closes the native iterator; closing the store closes
 * the iterators still open, after which they throw {@link InvalidStateStoreException}.
 *
 * <p>It implements Kafka Streams' {@code ManagedKeyValueIterator} (a close callback), which the
 * DSL's store adapter requires of the iterators an interactive {@code RangeQuery} returns.
 */
final class LsmKeyValueIterator implements ManagedKeyValueIterator<Bytes, byte[]> {
  private final String storeName;
  private final LsmIterator it;
  private final boolean forward;
  private final Set<LsmKeyValueIterator> openIterators;
  private volatile boolean closed;
  private Runnable closeCallback;

  LsmKeyValueIterator(
      String storeName,
      LsmIterator it,
      byte[] lower,
      byte[] upper,
      boolean forward,
      Set<LsmKeyValueIterator> openIterators) {
    this.storeName = storeName;
    this.it = it;
    this.forward = forward;
    this.openIterators = openIterators;
    try {
      if (forward) {
        if (lower == null) {
          it.seekToFirst();
        } else {
          it.seek(lower);
        }
      } else {
        if (upper == null) {
          it.seekToLast();
        } else {
          // The last key before upper (exclusive): seekForPrev lands on upper itself when present.
          it.seekForPrev(upper);
          if (it.isValid() && Arrays.compareUnsigned(it.key(), upper) >= 0) {
            it.prev();
          }
        }
      }
    } catch (LsmException e) {
      it.close();
      throw new ProcessorStateException("Error reading from the lsm store " + storeName, e);
    }
  }

  /** An iterator with no entries (for a range whose lower bound sorts after its upper bound). */
  static KeyValueIterator<Bytes, byte[]> empty() {
    return new ManagedKeyValueIterator<>() {
      private Runnable closeCallback;

      @Override
      public void onClose(Runnable callback) {
        closeCallback = callback;
      }

      @Override
      public boolean hasNext() {
        return false;
      }

      @Override
      public KeyValue<Bytes, byte[]> next() {
        throw new NoSuchElementException();
      }

      @Override
      public Bytes peekNextKey() {
        throw new NoSuchElementException();
      }

      @Override
      public void close() {
        Runnable callback = closeCallback;
        closeCallback = null;
        if (callback != null) {
          callback.run();
        }
      }
    };
  }

  private void checkOpen() {
    if (closed) {
      throw new InvalidStateStoreException("lsm iterator of store " + storeName + " is closed");
    }
  }

  @Override
  public boolean hasNext() {
    checkOpen();
    try {
      return it.isValid();
    } catch (IllegalStateException e) {
      throw new InvalidStateStoreException("lsm iterator of store " + storeName + " is closed", e);
    }
  }

  @Override
  public KeyValue<Bytes, byte[]> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    try {
      KeyValue<Bytes, byte[]> entry = KeyValue.pair(Bytes.wrap(it.key()), it.value());
      if (forward) {
        it.next();
      } else {
        it.prev();
      }
      return entry;
    } catch (LsmException e) {
      throw new ProcessorStateException("Error reading from the lsm store " + storeName, e);
    } catch (IllegalStateException e) {
      throw new InvalidStateStoreException("lsm iterator of store " + storeName + " is closed", e);
    }
  }

  @Override
  public Bytes peekNextKey() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    try {
      return Bytes.wrap(it.key());
    } catch (IllegalStateException e) {
      throw new InvalidStateStoreException("lsm iterator of store " + storeName + " is closed", e);
    }
  }

  /** Runs {@code callback} when the iterator is closed. */
  @Override
  public synchronized void onClose(Runnable callback) {
    closeCallback = callback;
  }

  /** Closes the native iterator, then runs the close callback; idempotent. */
  @Override
  public void close() {
    Runnable callback;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      callback = closeCallback;
    }
    openIterators.remove(this);
    it.close();
    if (callback != null) {
      callback.run();
    }
  }
}
