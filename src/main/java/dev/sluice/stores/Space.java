package dev.sluice.stores;

import java.util.Arrays;
import java.util.concurrent.locks.Lock;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * One view version's ordered key/value space. Reads see committed batches only.
 *
 * <p>Every use of the space holds its store's shared lock and checks that the space is still open:
 * RocksDB's handles are native pointers, and a read racing a {@code DROP} (or the engine closing)
 * would otherwise crash the whole process instead of failing one read with a {@link StoreException}.
 */
public final class Space {
  private final RocksDB db;
  final ColumnFamilyHandle handle;
  private final WriteOptions writeOptions;
  private final String name;
  private final Lock shared;

  Space(RocksDB db, ColumnFamilyHandle handle, WriteOptions writeOptions, String name, Lock shared) {
    this.db = db;
    this.handle = handle;
    this.writeOptions = writeOptions;
    this.name = name;
    this.shared = shared;
  }

  /** Holds the store's shared lock while the space is open; pair with {@link #exit()}. */
  void enter() {
    shared.lock();
    if (!handle.isOwningHandle()) {
      shared.unlock();
      throw new StoreException(name + " is dropped or closed");
    }
  }

  void exit() {
    shared.unlock();
  }

  public String name() {
    return name;
  }

  public byte[] get(byte[] key) {
    enter();
    try {
      return db.get(handle, key);
    } catch (RocksDBException e) {
      throw new StoreException("reading " + name + ": " + e.getMessage(), e);
    } finally {
      exit();
    }
  }

  /** Visits keys in [from, to) in order (to null = to the end) until the visitor says stop. */
  public void scan(byte[] from, byte[] to, Visitor visitor) {
    enter();
    try (ReadOptions options = new ReadOptions(); RocksIterator it = db.newIterator(handle, options)) {
      for (it.seek(from); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
          return;
        }
        if (!visitor.visit(key, it.value())) {
          return;
        }
      }
    } finally {
      exit();
    }
  }

  /**
   * Visits keys in order from the greatest key at or below {@code key} that is at least {@code
   * lowest} (or from {@code key} when there is none), up to {@code to} (exclusive), until the
   * visitor says stop: a read that starts inside an entry holding a range of positions.
   */
  public void scanFromFloor(byte[] key, byte[] lowest, byte[] to, Visitor visitor) {
    enter();
    try (ReadOptions options = new ReadOptions(); RocksIterator it = db.newIterator(handle, options)) {
      it.seekForPrev(key);
      if (!it.isValid() || Arrays.compareUnsigned(it.key(), lowest) < 0) {
        it.seek(key);
      }
      for (; it.isValid(); it.next()) {
        byte[] k = it.key();
        if (Arrays.compareUnsigned(k, to) >= 0 || !visitor.visit(k, it.value())) {
          return;
        }
      }
    } finally {
      exit();
    }
  }

  /**
   * A consistent read view of the space as of now: what a subscription's snapshot of rows and the
   * changelog position it resumes from must agree on. Close it to release the snapshot.
   */
  public Snapshot snapshot() {
    enter();
    try {
      return new Snapshot(db.getSnapshot());
    } finally {
      exit();
    }
  }

  /** Deletes the keys in [from, to) at once, outside any batch (trimming old entries). */
  public void deleteRange(byte[] from, byte[] to) {
    enter();
    try {
      db.deleteRange(handle, writeOptions, from, to);
    } catch (RocksDBException e) {
      throw new StoreException("deleting from " + name + ": " + e.getMessage(), e);
    } finally {
      exit();
    }
  }

  /** Reads of a {@link Space} pinned to one moment. */
  public final class Snapshot implements AutoCloseable {
    private final org.rocksdb.Snapshot snapshot;
    private final ReadOptions options;

    private Snapshot(org.rocksdb.Snapshot snapshot) {
      this.snapshot = snapshot;
      this.options = new ReadOptions().setSnapshot(snapshot);
    }

    public byte[] get(byte[] key) {
      enter();
      try {
        return db.get(handle, options, key);
      } catch (RocksDBException e) {
        throw new StoreException("reading " + name + ": " + e.getMessage(), e);
      } finally {
        exit();
      }
    }

    /** Visits keys in [from, to) in order (to null = to the end) until the visitor says stop. */
    public void scan(byte[] from, byte[] to, Visitor visitor) {
      enter();
      try (RocksIterator it = db.newIterator(handle, options)) {
        for (it.seek(from); it.isValid(); it.next()) {
          byte[] key = it.key();
          if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
            return;
          }
          if (!visitor.visit(key, it.value())) {
            return;
          }
        }
      } finally {
        exit();
      }
    }

    @Override
    public void close() {
      options.close();
      shared.lock();
      try {
        if (handle.isOwningHandle()) { // else the store closed, and its snapshots with it
          db.releaseSnapshot(snapshot);
        }
      } finally {
        shared.unlock();
      }
    }
  }

  /** A batch of writes that reads its own writes and commits atomically. */
  public Batch batch() {
    return new Batch(db, this, writeOptions);
  }

  @FunctionalInterface
  public interface Visitor {
    boolean visit(byte[] key, byte[] value);
  }
}
