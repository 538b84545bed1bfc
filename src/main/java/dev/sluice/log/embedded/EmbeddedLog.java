package dev.sluice.log.embedded;

import dev.sluice.log.AppendLimits;
import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.log.RecordView;
import java.util.function.Consumer;
import dev.sluice.log.StreamNames;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.StreamStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The embedded log: streams in a data folder, one folder a stream (docs/log-format.md §5).
 *
 * <p>Appends go through one {@link Writer}: a sequencer thread assigns offsets, encodes each request
 * as one batch and writes it; a request is acknowledged only once a sync covers it — all requests
 * that queued during one sync share the next (group commit).
 */
public final class EmbeddedLog implements EventLog {

  /** How appends are made durable. */
  public enum Fsync {
    /** Acknowledge after fsync: an acknowledged event survives a crash of the machine. */
    ALWAYS,
    /**
     * Acknowledge after write, fsync every {@code fsyncInterval}: an acknowledged event survives a
     * crash of Sluice (kill -9) but the last interval may be lost if the machine fails.
     */
    INTERVAL
  }

  /** Settings; {@link #defaults()} are those of {@code sluice serve}. */
  public record Options(
      Fsync fsync,
      Duration fsyncInterval,
      long segmentBytes,
      int eventBytesMax,
      long requestBytesMax,
      Duration dedupWindow,
      int queuedRequestsMax,
      Storage storage,
      LongSupplier clock,
      MeterRegistry meters) {

    public static Options defaults() {
      return new Options(
          Fsync.ALWAYS,
          Duration.ofMillis(100),
          128L * 1024 * 1024,
          1024 * 1024,
          64L * 1024 * 1024,
          Duration.ofDays(7),
          8192,
          new DiskStorage(),
          System::currentTimeMillis,
          new CompositeMeterRegistry());
    }

    public Options withFsync(Fsync mode) {
      return new Options(mode, fsyncInterval, segmentBytes, eventBytesMax, requestBytesMax, dedupWindow, queuedRequestsMax, storage, clock, meters);
    }

    public Options withSegmentBytes(long bytes) {
      return new Options(fsync, fsyncInterval, bytes, eventBytesMax, requestBytesMax, dedupWindow, queuedRequestsMax, storage, clock, meters);
    }

    public Options withLimits(int eventBytes, long requestBytes) {
      return new Options(fsync, fsyncInterval, segmentBytes, eventBytes, requestBytes, dedupWindow, queuedRequestsMax, storage, clock, meters);
    }

    public Options withDedupWindow(Duration window) {
      return new Options(fsync, fsyncInterval, segmentBytes, eventBytesMax, requestBytesMax, window, queuedRequestsMax, storage, clock, meters);
    }

    public Options withStorage(Storage s) {
      return new Options(fsync, fsyncInterval, segmentBytes, eventBytesMax, requestBytesMax, dedupWindow, queuedRequestsMax, s, clock, meters);
    }

    public Options withClock(LongSupplier c) {
      return new Options(fsync, fsyncInterval, segmentBytes, eventBytesMax, requestBytesMax, dedupWindow, queuedRequestsMax, storage, c, meters);
    }

    /** Where the log records its meters (docs/observing.md, "Metrics"); by default nowhere. */
    public Options withMeters(MeterRegistry registry) {
      return new Options(fsync, fsyncInterval, segmentBytes, eventBytesMax, requestBytesMax, dedupWindow, queuedRequestsMax, storage, clock, registry);
    }

    void check() {
      if (requestBytesMax > LogFormat.BATCH_BYTES_MAX / 2 || eventBytesMax > requestBytesMax || eventBytesMax < 1) {
        throw new IllegalArgumentException(
            "limits must satisfy 1 <= event bytes <= request bytes <= " + LogFormat.BATCH_BYTES_MAX / 2);
      }
      if (segmentBytes < 4096 || segmentBytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("segment bytes must be between 4 KiB and 2 GiB");
      }
    }
  }

  private final Path dataDir;
  private final Path streamsDir;
  private final Options options;
  private final ConcurrentHashMap<String, StreamLog> streams = new ConcurrentHashMap<>();
  private final Writer writer;
  private final List<String> damageReports = new ArrayList<>();
  /** Held while open on a real disk (null on a test storage): one process per data folder. */
  private final FolderLock lock;

  private EmbeddedLog(Path dataDir, Options options, FolderLock lock) {
    this.dataDir = dataDir;
    this.streamsDir = dataDir.resolve("streams");
    this.options = options;
    this.writer = new Writer(options);
    this.lock = lock;
  }

  /** Opens (creating when missing) the log in {@code dataDir}, recovering every stream. */
  public static EmbeddedLog open(Path dataDir, Options options) {
    options.check();
    FolderLock lock = options.storage() instanceof DiskStorage ? FolderLock.acquire(dataDir) : null;
    EmbeddedLog log = new EmbeddedLog(dataDir, options, lock);
    try {
      log.recover();
    } catch (IOException | RuntimeException e) {
      log.closeStreams();
      log.unlock();
      if (e instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new LogException(ErrorCode.LOG_FAILED, "cannot open the log in " + dataDir + ": " + e.getMessage(), e);
    }
    log.writer.start();
    return log;
  }

  private void recover() throws IOException {
    Storage storage = options.storage();
    Path existing = streamsDir.toAbsolutePath();
    while (existing != null && !storage.exists(existing)) {
      existing = existing.getParent();
    }
    storage.createDirectories(streamsDir);
    // A created folder survives a power loss only once its parent is fsynced; without this, one
    // could lose every stream of a fresh data folder, acknowledged events and all.
    for (Path dir = streamsDir.toAbsolutePath().getParent();
        existing != null && dir != null && dir.startsWith(existing);
        dir = dir.getParent()) {
      storage.syncDirectory(dir);
    }
    long now = options.clock().getAsLong();
    for (String name : storage.list(streamsDir)) {
      Path dir = streamsDir.resolve(name);
      if (!StreamLog.isComplete(storage, dir)) {
        continue; // an interrupted CREATE: it was never acknowledged
      }
      StreamLog stream = StreamLog.open(storage, dir, now, options.dedupWindow().toMillis(), options.fsync() == Fsync.ALWAYS);
      streams.put(stream.spec.name(), stream);
      damageReports.addAll(stream.damageReports());
    }
  }

  /** Damage found at open, one line per damaged partition; empty when all is sound. */
  public List<String> damageReports() {
    return List.copyOf(damageReports);
  }

  public Path dataDir() {
    return dataDir;
  }

  public Options options() {
    return options;
  }

  @Override
  public synchronized StreamSpec create(StreamSpec spec, boolean ifNotExists) {
    StreamLog existing = streams.get(spec.name());
    if (existing != null) {
      if (ifNotExists && existing.spec.equals(spec)) {
        return existing.spec;
      }
      throw new LogException(
          ErrorCode.STREAM_EXISTS,
          "stream '" + spec.name() + "' already exists"
              + (existing.spec.equals(spec) ? "" : " with a different declaration (" + describe(existing.spec) + ")"));
    }
    Path dir = streamsDir.resolve(spec.name());
    try {
      if (options.storage().exists(dir)) {
        for (String leftover : options.storage().list(dir)) {
          options.storage().delete(dir.resolve(leftover));
        }
      }
      StreamLog stream = StreamLog.create(options.storage(), dir, spec, options.clock().getAsLong(), options.dedupWindow().toMillis(), options.fsync() == Fsync.ALWAYS);
      streams.put(spec.name(), stream);
      return spec;
    } catch (IOException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot create stream '" + spec.name() + "': " + e.getMessage(), e);
    }
  }

  private static String describe(StreamSpec spec) {
    return spec.kind() + " KEY " + spec.keyField() + " PARTITIONS " + spec.partitions();
  }

  @Override
  public Optional<StreamSpec> stream(String name) {
    StreamLog stream = streams.get(name);
    return stream == null ? Optional.empty() : Optional.of(stream.spec);
  }

  @Override
  public List<StreamSpec> streams() {
    return streams.values().stream().map(s -> s.spec).sorted(Comparator.comparing(StreamSpec::name)).toList();
  }

  @Override
  public StreamStats stats(String stream) {
    StreamLog s = require(stream);
    long[] ends = new long[s.spec.partitions()];
    for (int p = 0; p < ends.length; p++) {
      ends[p] = s.endOffset(p);
    }
    return new StreamStats(s.spec, ends, s.sizeBytes());
  }

  @Override
  public CompletableFuture<AppendResult> append(String stream, List<Event> events) {
    StreamLog s = require(stream);
    int n = s.spec.partitions();
    AppendLimits.check(stream, s.spec, events, options.eventBytesMax(), options.requestBytesMax());
    return writer.submit(s, stream, EncodedEvents.of(events, n, options.clock().getAsLong(), writer::contentArray));
  }

  @Override
  public List<Record> read(String stream, int partition, long from, int maxRecords) {
    if (maxRecords < 0) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "maxRecords must not be negative");
    }
    return require(stream).read(partition, from, maxRecords);
  }

  @Override
  public int visit(String stream, int partition, long from, int maxRecords, Consumer<RecordView> visitor) {
    if (maxRecords < 0) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "maxRecords must not be negative");
    }
    return require(stream).visit(partition, from, maxRecords, visitor);
  }

  @Override
  public long endOffset(String stream, int partition) {
    StreamLog s = require(stream);
    checkPartition(s, partition);
    return s.endOffset(partition);
  }

  @Override
  public Optional<dev.sluice.log.Position> locate(String stream, String id) {
    StreamLog s = require(stream);
    Optional<dev.sluice.log.Position> generated = EventLog.super.locate(stream, id);
    if (generated.isPresent()) {
      return generated;
    }
    long packed = s.dedup.lookup(id);
    if (packed < 0) {
      return Optional.empty();
    }
    int partition = DedupIndex.partitionOf(packed);
    long offset = DedupIndex.offsetOf(packed);
    // The writer indexes an id when it writes it, before the fsync makes it durable and readable.
    return offset < s.endOffset(partition) ? Optional.of(new dev.sluice.log.Position(partition, offset, false)) : Optional.empty();
  }

  @Override
  public CompletableFuture<Void> awaitRecord(String stream, int partition, long offset) {
    StreamLog s = require(stream);
    checkPartition(s, partition);
    return s.awaitRecord(partition, offset);
  }

  private static void checkPartition(StreamLog s, int p) {
    if (p < 0 || p >= s.spec.partitions()) {
      throw new LogException(
          ErrorCode.UNKNOWN_PARTITION,
          "stream '" + s.spec.name() + "' has partitions 0.." + (s.spec.partitions() - 1) + ", not " + p);
    }
  }

  private StreamLog require(String stream) {
    StreamLog s = stream == null ? null : streams.get(stream);
    if (s == null) {
      if (stream != null) {
        StreamNames.check(stream);
      }
      throw new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + stream + "'");
    }
    return s;
  }

  /** Waits until every sealed segment has its index file, which the writer leaves to a thread of its own. */
  void awaitSealed() throws Exception {
    writer.awaitSealed();
  }

  @Override
  public void close() {
    writer.close();
    closeStreams();
    unlock();
  }

  private void unlock() {
    if (lock != null) {
      lock.close();
    }
  }

  private void closeStreams() {
    streams.values().forEach(StreamLog::close);
  }
}
