package dev.sluice.log.embedded;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link Storage} on the local file system through {@link FileChannel}. Segment files opened for
 * appends are written directly, bypassing the page cache ({@link DirectAppendFile}), where the file
 * system allows it, unless the system property {@code sluice.log.direct} is {@code false}.
 */
public final class DiskStorage implements Storage {
  private final boolean directAppends;

  public DiskStorage() {
    this(!"false".equalsIgnoreCase(System.getProperty("sluice.log.direct")));
  }

  /** With {@code directAppends} false, segment files are appended through the page cache and fsynced. */
  public DiskStorage(boolean directAppends) {
    this.directAppends = directAppends;
  }

  @Override
  public StorageFile openForAppends(Path path) throws IOException {
    StorageFile plain = open(path, false);
    if (!directAppends) {
      return plain;
    }
    try {
      DirectAppendFile direct = DirectAppendFile.open(path, plain);
      return direct != null ? direct : plain;
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  @Override
  public StorageFile open(Path path, boolean create) throws IOException {
    FileChannel channel =
        create
            ? FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
            : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new DiskFile(path, channel);
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try (Stream<Path> entries = Files.list(dir)) {
      entries.forEach(p -> names.add(p.getFileName().toString()));
    }
    names.sort(null);
    return names;
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    Files.createDirectories(dir);
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system cannot rename atomically: " + source, e);
    }
  }

  @Override
  public void delete(Path path) throws IOException {
    try {
      Files.delete(path);
    } catch (NoSuchFileException e) {
      // Already gone is what the caller wanted.
    }
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /**
   * A file with one channel for the writer and another for readers. A FileChannel closes itself when
   * a thread blocked in it is interrupted (an HTTP thread whose client went away, say); readers get a
   * channel of their own, reopened when that happens, so an interrupted reader can never stop the
   * log's writer or the other readers.
   */
  private static final class DiskFile implements StorageFile {
    private final Path path;
    private final FileChannel channel;
    private volatile FileChannel readChannel;
    private volatile boolean closed;

    DiskFile(Path path, FileChannel channel) throws IOException {
      this.path = path;
      this.channel = channel;
      this.readChannel = FileChannel.open(path, StandardOpenOption.READ);
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    @Override
    public void append(ByteBuffer src) throws IOException {
      long position = channel.size();
      while (src.hasRemaining()) {
        position += channel.write(src, position);
      }
    }

    @Override
    public void readFully(ByteBuffer dst, long position) throws IOException {
      while (dst.hasRemaining()) {
        int n = read(dst, position);
        if (n < 0) {
          throw new EOFException("end of file at " + position);
        }
        position += n;
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      while (true) {
        if (Thread.currentThread().isInterrupted()) {
          throw new java.io.InterruptedIOException("interrupted before reading " + path);
        }
        FileChannel reader = readChannel;
        try {
          return reader.read(dst, position);
        } catch (java.nio.channels.ClosedChannelException e) {
          if (closed) {
            throw e;
          }
          reopen(reader);
          if (e instanceof java.nio.channels.ClosedByInterruptException) {
            throw new java.io.InterruptedIOException("interrupted while reading " + path);
          }
        }
      }
    }

    private synchronized void reopen(FileChannel broken) throws IOException {
      if (readChannel == broken && !closed) {
        readChannel = FileChannel.open(path, StandardOpenOption.READ);
      }
    }

    @Override
    public void sync() throws IOException {
      channel.force(false);
    }

    @Override
    public void truncate(long size) throws IOException {
      channel.truncate(size);
    }

    @Override
    public synchronized void close() throws IOException {
      closed = true;
      try {
        readChannel.close();
      } finally {
        channel.close();
      }
    }
  }
}
