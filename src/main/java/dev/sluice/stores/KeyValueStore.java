package dev.sluice.stores;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * One RocksDB database holding every view's state, a column family ("space") per view version, so
 * that dropping a version frees its storage at once and every write is one atomic batch.
 *
 * <p>Writes are not fsynced: the log is the system of record and each batch carries the input
 * positions it reflects, so after any crash a view resumes from a consistent point and replays the
 * rest. RocksDB's write-ahead log (kept: without it a kill -9 would take a live view back to its
 * last flush while it serves reads) makes a kill -9 of the process lose nothing.
 */
public final class KeyValueStore implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  /** The block cache shared by all spaces: rows and state read often stay in memory. */
  static final long BLOCK_CACHE_BYTES = 128L * 1024 * 1024;
  /** Memtable size per space: allocated as it fills, so idle spaces cost nothing. */
  static final long WRITE_BUFFER_BYTES = 64L * 1024 * 1024;
  /** Memtables of all spaces together: past this the fullest is flushed, however many views write. */
  static final long WRITE_BUFFERS_BYTES_MAX = 256L * 1024 * 1024;

  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache cache;
  private final BloomFilter filter;
  private final WriteOptions writeOptions = new WriteOptions();
  private final Map<String, ColumnFamilyHandle> spaces = new HashMap<>();
  private final ColumnFamilyHandle defaultSpace;
  /** Shared by every use of a space, exclusive while one is dropped or the store closes (see {@link Space}). */
  private final ReentrantReadWriteLock uses = new ReentrantReadWriteLock();

  private KeyValueStore(RocksDB db, DBOptions dbOptions, ColumnFamilyOptions cfOptions, LRUCache cache, BloomFilter filter,
      List<ColumnFamilyDescriptor> descriptors, List<ColumnFamilyHandle> handles) {
    this.db = db;
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.cache = cache;
    this.filter = filter;
    ColumnFamilyHandle defaultHandle = null;
    for (int i = 0; i < descriptors.size(); i++) {
      String name = new String(descriptors.get(i).getName(), java.nio.charset.StandardCharsets.UTF_8);
      if (name.equals("default")) {
        defaultHandle = handles.get(i);
      } else {
        spaces.put(name, handles.get(i));
      }
    }
    this.defaultSpace = defaultHandle;
  }

  public static KeyValueStore open(Path dir) {
    try {
      Files.createDirectories(dir);
      DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
          .setMaxBackgroundJobs(2)
          .setDbWriteBufferSize(WRITE_BUFFERS_BYTES_MAX);
      // Point reads of rows and state are most of what views do: a block cache shared by every space,
      // with index and filter blocks in it, and Bloom filters so a missing key costs no data block.
      LRUCache cache = new LRUCache(BLOCK_CACHE_BYTES);
      BloomFilter filter = new BloomFilter(10);
      BlockBasedTableConfig table = new BlockBasedTableConfig()
          .setBlockCache(cache)
          .setFilterPolicy(filter)
          .setCacheIndexAndFilterBlocks(true)
          .setPinL0FilterAndIndexBlocksInCache(true);
      // A view backfilling a history writes keys all over its space (row keys, state, changelog):
      // each level-0 compaction rewrites most of level 1. Larger memtables make fewer, larger
      // level-0 files and so fewer of those rewrites; LZ4 costs less CPU than the default Snappy.
      ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
          .setWriteBufferSize(WRITE_BUFFER_BYTES)
          .setArenaBlockSize(1L << 20) // not an eighth of the memtable: small spaces stay small
          .setCompressionType(CompressionType.LZ4_COMPRESSION)
          .setTableFormatConfig(table);
      List<byte[]> names = dir.resolve("CURRENT").toFile().exists()
          ? org.rocksdb.RocksDB.listColumnFamilies(new org.rocksdb.Options(), dir.toString())
          : List.of(RocksDB.DEFAULT_COLUMN_FAMILY);
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      for (byte[] name : names) {
        descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
      return new KeyValueStore(db, dbOptions, cfOptions, cache, filter, descriptors, handles);
    } catch (RocksDBException | IOException e) {
      throw new StoreException("cannot open the view store in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Deletes a closed store's folder (a scratch store, say). */
  public static void destroy(Path dir) {
    try {
      Folders.delete(dir);
    } catch (IOException e) {
      throw new StoreException("cannot delete the store in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Names of the spaces that exist. */
  public synchronized List<String> spaceNames() {
    return List.copyOf(spaces.keySet());
  }

  /** The space {@code name}, created empty when missing. */
  public synchronized Space space(String name) {
    ColumnFamilyHandle handle = spaces.get(name);
    if (handle == null) {
      try {
        handle = db.createColumnFamily(new ColumnFamilyDescriptor(name.getBytes(java.nio.charset.StandardCharsets.UTF_8), cfOptions));
      } catch (RocksDBException e) {
        throw new StoreException("cannot create space " + name + ": " + e.getMessage(), e);
      }
      spaces.put(name, handle);
    }
    return new Space(db, handle, writeOptions, name, uses.readLock());
  }

  /** Drops a space and everything in it. */
  public synchronized void drop(String name) {
    ColumnFamilyHandle handle = spaces.remove(name);
    if (handle == null) {
      return;
    }
    uses.writeLock().lock();
    try {
      db.dropColumnFamily(handle);
    } catch (RocksDBException e) {
      throw new StoreException("cannot drop space " + name + ": " + e.getMessage(), e);
    } finally {
      handle.close();
      uses.writeLock().unlock();
    }
  }

  @Override
  public synchronized void close() {
    uses.writeLock().lock();
    try {
      spaces.values().forEach(ColumnFamilyHandle::close);
      spaces.clear();
      if (defaultSpace != null) {
        defaultSpace.close();
      }
      writeOptions.close();
      db.close();
      dbOptions.close();
      cfOptions.close();
      filter.close();
      cache.close();
    } finally {
      uses.writeLock().unlock();
    }
  }
}
