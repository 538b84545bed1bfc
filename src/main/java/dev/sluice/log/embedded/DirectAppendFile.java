package dev.sluice.log.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongSupplier;

/**
 * An active segment file whose appends reach the disk by {@link #sync} alone, in one write that
 * bypasses the page cache and returns once the bytes are durable ({@code O_DIRECT | O_DSYNC};
 * docs/log-format.md §8).
 *
 * <p>{@link #append} copies the bytes into memory (the writer's thread never waits on the file
 * system's locks); {@link #sync} takes what was appended and writes it from the start of its first
 * file block, padded with zeros to a whole block: the block the previous sync left partly filled is
 * written again, with the same bytes in front. The file therefore ends in fewer than one block of
 * zeros after its last batch until {@link #endAppends} (or closing) cuts them off (§1).
 *
 * <p>Measured against buffered writes and {@code fdatasync} on the same disk, the acknowledgement's
 * p50 and p99 at half of peak load were lower, and unpaced throughput higher (docs/benchmarks.md,
 * 2026-12-04 18:30–20:10 UTC). Appends staged here are lost by a crash of the process, so this serves only
 * {@code --fsync always}, where nothing is acknowledged before its sync.
 */
final class DirectAppendFile implements Storage.StorageFile {
  /** A round at half of peak load is a few requests of ~14 KB; larger rounds grow the buffer. */
  private static final int INITIAL_STAGING_BYTES = 64 * 1024;
  /** How far appends go between two looks at the file system's free space. */
  private static final long SPACE_CHECK_BYTES = 1024 * 1024;
  /** Free space kept: below it, appends fail as a full disk would, before anything is written. */
  static final long SPACE_RESERVE_BYTES = 16 * 1024 * 1024;

  private final Path path;
  /** Reads, truncation, metadata fsyncs; the file's bytes before it was opened here. */
  private final Storage.StorageFile plain;
  private final FileChannel direct;
  private final int block;
  private final LongSupplier usableSpace;

  /** Guards the staging buffer between the appending thread and a sync. */
  private final Object staged = new Object();
  /** One sync at a time: two writes of the same last block must not cross. */
  private final Object syncing = new Object();

  /** Bytes from file position {@link #stagedFrom}: the last partial block's, then new appends. */
  private ByteBuffer staging;
  /** The buffer a sync gives back; the next sync stages into it. */
  private ByteBuffer spare;
  private long stagedFrom;
  /** The file's length in bytes of data (its size on disk may be larger by padding). */
  private long size;
  /** Data bytes made durable by syncs. */
  private long durable;
  private long spaceCheckedAt;
  /** A truncation not yet made durable (the file's size is metadata: it needs an fsync). */
  private boolean metadataDirty;
  private boolean ended;

  private DirectAppendFile(Path path, Storage.StorageFile plain, FileChannel direct, int block, LongSupplier usableSpace) throws IOException {
    this.path = path;
    this.plain = plain;
    this.direct = direct;
    this.block = block;
    this.usableSpace = usableSpace;
    this.size = plain.size();
    this.durable = size;
    this.spaceCheckedAt = size;
  }

  /**
   * Opens {@code path} (which exists) for direct appends; returns null when the file system cannot
   * do direct writes (tmpfs, say), for the caller to fall back to buffered appends.
   */
  static DirectAppendFile open(Path path, Storage.StorageFile plain) throws IOException {
    return open(path, plain, null);
  }

  /** {@link #open}; with {@code usableSpace} (tests), free space is what it says. */
  static DirectAppendFile open(Path path, Storage.StorageFile plain, LongSupplier usableSpace) throws IOException {
    FileStore store = Files.getFileStore(path);
    long block = store.getBlockSize();
    if (block < 512 || block > LogFormat.PADDING_BYTES_MAX || Long.bitCount(block) != 1) {
      return null;
    }
    FileChannel direct;
    try {
      direct = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.DSYNC, com.sun.nio.file.ExtendedOpenOption.DIRECT);
    } catch (UnsupportedOperationException | IOException e) {
      return null;
    }
    LongSupplier space = usableSpace != null ? usableSpace : () -> {
      try {
        return store.getUsableSpace();
      } catch (IOException e) {
        return Long.MAX_VALUE; // unknown: the write itself will say
      }
    };
    return new DirectAppendFile(path, plain, direct, (int) block, space);
  }

  @Override
  public boolean writesOnSync() {
    return true;
  }

  int blockBytes() {
    return block;
  }

  @Override
  public long size() {
    synchronized (staged) {
      return size;
    }
  }

  @Override
  public void append(ByteBuffer src) throws IOException {
    int n = src.remaining();
    synchronized (staged) {
      if (ended) {
        throw new IOException(path + " takes no more appends");
      }
      if (size + n - spaceCheckedAt >= SPACE_CHECK_BYTES) {
        long free = usableSpace.getAsLong();
        if (free < SPACE_RESERVE_BYTES + (size - durable) + n) {
          throw new IOException("No space left on device: " + free + " bytes free on the file system of " + path
              + ", and Sluice keeps " + SPACE_RESERVE_BYTES + " free");
        }
        spaceCheckedAt = size;
      }
      if (staging == null) {
        startStaging();
      }
      if (staging.remaining() < n) {
        ByteBuffer larger = aligned(Math.max(2L * staging.capacity(), (long) staging.position() + n));
        larger.put(staging.flip());
        staging = larger;
      }
      staging.put(src);
      size += n;
    }
  }

  /** The staging buffer begins at the block where the data ends, with that block's bytes in it. */
  private void startStaging() throws IOException {
    stagedFrom = size & -block;
    int partial = (int) (size - stagedFrom);
    staging = aligned(Math.max(INITIAL_STAGING_BYTES, 2 * block));
    spare = aligned(staging.capacity());
    if (partial > 0) {
      ByteBuffer head = staging.duplicate().limit(partial);
      plain.readFully(head, stagedFrom);
      staging.position(partial);
    }
  }

  private ByteBuffer aligned(long bytes) throws IOException {
    if (bytes > Integer.MAX_VALUE - 2L * block) {
      throw new IOException("more than 2 GiB appended to " + path + " between two syncs");
    }
    int capacity = (int) ((bytes + block - 1) & -block);
    return ByteBuffer.allocateDirect(capacity + block).alignedSlice(block).limit(capacity);
  }

  @Override
  public void sync() throws IOException {
    synchronized (syncing) {
      ByteBuffer taken;
      long at;
      long upTo;
      synchronized (staged) {
        if (staging == null || size == durable) {
          syncMetadata();
          return;
        }
        taken = staging;
        at = stagedFrom;
        upTo = size;
        int length = taken.position();
        int whole = length & -block;
        // The next sync writes the last partial block again, from its start.
        ByteBuffer next = spare.clear();
        next.put(taken.duplicate().position(whole).limit(length));
        staging = next;
        stagedFrom = at + whole;
        spare = null;
      }
      int length = taken.position();
      int end = (length + block - 1) & -block;
      while (taken.position() < end) {
        taken.put((byte) 0);
      }
      taken.flip();
      long position = at;
      while (taken.hasRemaining()) {
        int written = direct.write(taken, position);
        if (written % block != 0) {
          throw new IOException("a direct write to " + path + " wrote " + written + " bytes, not whole blocks of " + block);
        }
        position += written;
      }
      syncMetadata();
      synchronized (staged) {
        spare = taken.clear();
        durable = Math.max(durable, upTo);
      }
    }
  }

  private void syncMetadata() throws IOException {
    if (metadataDirty) {
      plain.sync();
      metadataDirty = false;
    }
  }

  @Override
  public void truncate(long to) throws IOException {
    synchronized (syncing) {
      synchronized (staged) {
        if (staging != null && to >= Math.max(durable, stagedFrom) && to <= size) {
          // Only staged bytes go: nothing reached the file.
          staging.position((int) (to - stagedFrom));
          size = to;
          return;
        }
        plain.truncate(to);
        metadataDirty = true;
        size = to;
        durable = Math.min(durable, to);
        spaceCheckedAt = to;
        staging = null;
        spare = null;
      }
    }
  }

  /**
   * Writes what is staged, cuts the last write's padding off and fsyncs: the file holds exactly its
   * data. Further appends fail; reads go on.
   */
  @Override
  public void endAppends() throws IOException {
    synchronized (syncing) {
      sync();
      synchronized (staged) {
        if (ended) {
          return;
        }
        ended = true;
        staging = null;
        spare = null;
      }
      plain.truncate(size);
      plain.sync();
      direct.close();
    }
  }

  @Override
  public void readFully(ByteBuffer dst, long position) throws IOException {
    plain.readFully(dst, position);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return plain.read(dst, position);
  }

  /**
   * Closes the file; one whose appends were all synced first loses its padding ({@link
   * #endAppends}). Staged bytes no sync took are not written: they were never acknowledged, and the
   * log closes this way only after its last sync, or after a failure that recovery sorts out.
   */
  @Override
  public void close() throws IOException {
    try {
      boolean synced;
      synchronized (staged) {
        synced = size == durable;
      }
      if (synced) {
        endAppends();
      }
    } finally {
      try {
        direct.close();
      } finally {
        plain.close();
      }
    }
  }
}
