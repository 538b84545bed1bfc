package dev.sluice.log.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file operations the embedded log uses, and nothing more. Tests put a fault-injecting
 * implementation here that loses unsynced bytes, tears the last write, flips bits, or fills the
 * disk; production uses {@link DiskStorage}.
 */
public interface Storage {

  /** Opens a file for positional reads and appends, creating it (empty) when {@code create}. */
  StorageFile open(Path path, boolean create) throws IOException;

  /**
   * Opens an existing segment file for the log's writer under {@code --fsync always}: appends may
   * stay in memory until {@link StorageFile#sync} writes them (docs/log-format.md §8). By default,
   * {@link #open}.
   */
  default StorageFile openForAppends(Path path) throws IOException {
    return open(path, false);
  }

  boolean exists(Path path);

  /** Names of the entries of a folder, sorted; empty when it does not exist. */
  List<String> list(Path dir) throws IOException;

  void createDirectories(Path dir) throws IOException;

  /** Atomically replaces {@code target} with {@code source}. */
  void rename(Path source, Path target) throws IOException;

  void delete(Path path) throws IOException;

  /** Makes the folder's entries (created, renamed, deleted files) durable. */
  void syncDirectory(Path dir) throws IOException;

  /** Writes a small file durably and atomically: temporary file, fsync, rename, fsync folder. */
  default void writeAtomically(Path path, byte[] content) throws IOException {
    replace(path, content, true);
    syncDirectory(path.getParent());
  }

  /**
   * As {@link #writeAtomically}, for a file of megabytes written while appends wait on their
   * fsyncs: the content goes to the temporary file in pieces of {@code pieceBytes}, each fsynced
   * and followed by a pause of {@code pauseNanos}. A disk writes one thing at a time, so an
   * acknowledgement's fsync issued meanwhile waits behind at most one piece, not behind the whole
   * file (docs/log-format.md §4).
   */
  default void writeAtomicallyInPieces(Path path, byte[] content, int pieceBytes, long pauseNanos) throws IOException {
    if (pieceBytes <= 0) {
      throw new IllegalArgumentException("pieceBytes must be positive: " + pieceBytes);
    }
    replaceInPieces(path, content, true, pieceBytes, pauseNanos);
    syncDirectory(path.getParent());
  }

  /**
   * Writes a small file whole under a temporary name and renames it to {@code path}; with {@code
   * sync}, the temporary file is fsynced before the rename. The folder is not fsynced: until it is,
   * a power loss may leave the old name, or the new one over bytes that never reached the disk.
   */
  default void replace(Path path, byte[] content, boolean sync) throws IOException {
    replaceInPieces(path, content, sync, Math.max(1, content.length), 0);
  }

  /** {@link #replace}, the temporary file written (and, with {@code sync}, fsynced) a piece at a time. */
  private void replaceInPieces(Path path, byte[] content, boolean sync, int pieceBytes, long pauseNanos) throws IOException {
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    if (exists(tmp)) {
      delete(tmp);
    }
    try (StorageFile file = open(tmp, true)) {
      int at = 0;
      do {
        if (at > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(pauseNanos);
        }
        int n = Math.min(pieceBytes, content.length - at);
        file.append(java.nio.ByteBuffer.wrap(content, at, n));
        if (sync) {
          file.sync();
        }
        at += n;
      } while (at < content.length);
    }
    rename(tmp, path);
  }

  /** Reads a whole small file. */
  default byte[] readAll(Path path) throws IOException {
    try (StorageFile file = open(path, false)) {
      long size = file.size();
      if (size > Integer.MAX_VALUE) {
        throw new IOException(path + " is too large to read whole");
      }
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) size);
      file.readFully(buffer, 0);
      return buffer.array();
    }
  }

  /** An open file: appends at its end, reads anywhere. */
  interface StorageFile extends AutoCloseable {
    long size() throws IOException;

    /** Appends all remaining bytes of {@code src} at the end of the file. */
    void append(java.nio.ByteBuffer src) throws IOException;

    /** Reads into {@code dst} from {@code position} until it is full; fails at end of file. */
    void readFully(java.nio.ByteBuffer dst, long position) throws IOException;

    /** Reads what there is, up to the space in {@code dst}; returns bytes read, -1 at end. */
    int read(java.nio.ByteBuffer dst, long position) throws IOException;

    /** Makes appended bytes durable (fdatasync). */
    void sync() throws IOException;

    void truncate(long size) throws IOException;

    /**
     * Whether appends stay in memory until {@link #sync}, which writes them durably in one write
     * (a file {@link Storage#openForAppends} opened for direct writes).
     */
    default boolean writesOnSync() {
      return false;
    }

    /**
     * Says no more appends come (a sealed segment): a file opened by {@link
     * Storage#openForAppends} writes what it holds and leaves exactly its data on disk.
     */
    default void endAppends() throws IOException {}

    @Override
    void close() throws IOException;
  }
}
