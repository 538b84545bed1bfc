package dev.sluice.stores;

import java.util.Arrays;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * Writes to one space collected in memory, readable before they commit (the operators read the
 * state they just wrote), and committed in one atomic write — state, rows and input positions
 * together.
 */
public final class Batch implements AutoCloseable {
  private final RocksDB db;
  private final Space space;
  private final WriteOptions writeOptions;
  private final WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
  private final ReadOptions readOptions = new ReadOptions();

  Batch(RocksDB db, Space space, WriteOptions writeOptions) {
    this.db = db;
    this.space = space;
    this.writeOptions = writeOptions;
  }

  public byte[] get(byte[] key) {
    try {
      return batch.getFromBatchAndDB(db, space.handle, readOptions, key);
    } catch (RocksDBException e) {
      throw new StoreException("reading " + space.name() + ": " + e.getMessage(), e);
    }
  }

  public void put(byte[] key, byte[] value) {
    try {
      batch.put(space.handle, key, value);
    } catch (RocksDBException e) {
      throw new StoreException("writing " + space.name() + ": " + e.getMessage(), e);
    }
  }

  public void delete(byte[] key) {
    try {
      batch.delete(space.handle, key);
    } catch (RocksDBException e) {
      throw new StoreException("writing " + space.name() + ": " + e.getMessage(), e);
    }
  }

  /** Visits keys starting with {@code prefix}, this batch's writes included, in order. */
  public void scan(byte[] prefix, Space.Visitor visitor) {
    try (RocksIterator base = db.newIterator(space.handle, readOptions);
        RocksIterator it = batch.newIteratorWithBase(space.handle, base)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (key.length < prefix.length || !Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
          return;
        }
        if (!visitor.visit(key, it.value())) {
          return;
        }
      }
    }
  }

  public int count() {
    return batch.count();
  }

  public void commit() {
    try {
      db.write(writeOptions, batch);
      batch.clear();
    } catch (RocksDBException e) {
      throw new StoreException("committing to " + space.name() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    readOptions.close();
    batch.close();
  }
}
