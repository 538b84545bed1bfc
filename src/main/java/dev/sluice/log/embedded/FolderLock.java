package dev.sluice.log.embedded;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data folder ({@code <data>/lock}, docs/log-format.md §5), held by the log
 * while it is open. Two processes appending to one folder would interleave batches and break every
 * chain; an audit ({@code sluice verify}) must not read files a server is changing. The operating
 * system drops the lock when its process dies, so a kill -9 leaves nothing to clean up.
 */
public final class FolderLock implements AutoCloseable {
  static final String FILE = "lock";

  private final FileChannel channel;
  private final FileLock lock;

  private FolderLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock on {@code dataDir}, or throws naming the folder as in use. */
  public static FolderLock acquire(Path dataDir) {
    FileChannel channel = null;
    try {
      Files.createDirectories(dataDir);
      channel = FileChannel.open(dataDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw inUse(dataDir);
      }
      return new FolderLock(channel, lock);
    } catch (OverlappingFileLockException e) {
      close(channel);
      throw inUse(dataDir);
    } catch (LogException e) {
      close(channel);
      throw e;
    } catch (IOException e) {
      close(channel);
      throw new LogException(ErrorCode.LOG_FAILED, "cannot lock the data folder " + dataDir + ": " + e.getMessage(), e);
    }
  }

  private static LogException inUse(Path dataDir) {
    return new LogException(ErrorCode.LOG_FAILED, "the data folder " + dataDir.toAbsolutePath().normalize()
        + " is in use by another Sluice (a running 'sluice serve'?); stop it first");
  }

  private static void close(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing after a failure to lock: the failure is what the caller reports.
    }
  }

  @Override
  public synchronized void close() {
    if (!channel.isOpen()) {
      return;
    }
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot release the data folder lock: " + e.getMessage(), e);
    }
  }
}
