package dev.sluice.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.operators.Row;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
import dev.sluice.stores.search.SearchIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A search index's documents. Rows are kept in the version's space as a view keeps them (so {@code
 * rows} reads work and recovery has them), and each change is mirrored into a Lucene index: a new
 * or changed row replaces the document with its key, a removed row deletes it.
 *
 * <p>Lucene work runs on an indexer thread of its own, fed in order through a bounded queue, so
 * that reading the log, the dataflow and RocksDB (the task's thread) overlap with analysis and
 * indexing. Lucene commits carry the input positions they reflect (commit user data), at most every
 * {@link #COMMIT_INTERVAL_MS} once live ({@link #COMMIT_INTERVAL_BUILDING_MS} while building). The
 * space commits every batch and is ahead of the last Lucene commit;
 * so that a kill -9 in between loses nothing, every change also writes a mark (key {@link
 * Keys#DIRTY}, commit epoch, row key) in the same batch. A Lucene commit of epoch E makes the marks
 * of epochs up to E redundant, and they are deleted; at start {@link #recover} sets the document
 * of every marked key from the space's row, which brings Lucene to the space's positions.
 */
final class SearchDocuments implements RowSink {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Lucene commits fsync and flush a segment: while events stream in, one every 5 s bounds their
   * cost (and the NRT stalls they cause) and the work re-indexed after a crash.
   */
  static final long COMMIT_INTERVAL_MS = 5_000;
  /**
   * While building, each commit would also flush a small segment that must be merged later: commit
   * seldom, at the price of re-indexing up to this much work after a crash.
   */
  static final long COMMIT_INTERVAL_BUILDING_MS = 30_000;
  static final String POSITIONS = "sluice.positions";
  /** Changes waiting for the indexer: bounds memory; a full queue slows the task to Lucene's pace. */
  private static final int QUEUE_CAPACITY = 4_096;
  private static final long CLOSE_WAIT_MS = 60_000;

  private final IndexSpec spec;
  private final Path dir;
  private volatile SearchIndex index;
  private Space space;
  private Thread indexer;
  private final BlockingQueue<Op> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final java.util.concurrent.ExecutorService committer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "sluice-search-committer");
    t.setDaemon(true);
    return t;
  });
  /** Ops handed to the indexer, and ops it has applied: a read after a token waits for the first. */
  private volatile long enqueued;
  private volatile long applied;
  private final Object progress = new Object();
  private volatile RuntimeException failure;
  /** Set when the task is stopping: a task waiting for room in the queue gives up at once. */
  private volatile boolean stopping;
  private boolean live;

  /** The epoch of marks written now; a Lucene commit covers every epoch before the one it starts. */
  private long epoch = 1;
  /** Marks of epochs up to this are covered by a Lucene commit (set by the indexer). */
  private volatile long committedEpoch;
  private long clearedEpoch;
  private boolean uncommitted;
  private long lastCommitMs;
  private Map<String, long[]> lastPositions;

  private sealed interface Op {}

  private record Put(byte[] key, Row row, byte[] json) implements Op {}

  private record Delete(byte[] key) implements Op {}

  private record Commit(String positions, long epoch) implements Op {}

  private record Stop() implements Op {}

  SearchDocuments(IndexSpec spec, Path dir) {
    this.spec = spec;
    this.dir = dir;
  }

  @Override
  public long write(Batch batch, ViewChange change, byte[] newJson) {
    throwIfFailed();
    byte[] key = change.key().bytes();
    batch.put(mark(epoch, key), new byte[0]);
    uncommitted = true;
    if (change.newRow() == null) {
      batch.delete(Keys.row(key));
      enqueue(new Delete(key));
      return -1;
    }
    batch.put(Keys.row(key), newJson);
    enqueue(new Put(key, change.newRow(), newJson));
    return change.oldRow() == null ? 1 : 0;
  }

  private void enqueue(Op op) {
    try {
      while (!queue.offer(op, 100, TimeUnit.MILLISECONDS)) {
        throwIfFailed();
        if (stopping && !(op instanceof Stop) && !(op instanceof Commit)) {
          throw new IllegalStateException("the search index is closing");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while handing a change to the search indexer", e);
    }
    enqueued++;
  }

  private void throwIfFailed() {
    RuntimeException f = failure;
    if (f != null) {
      throw new IllegalStateException("the search indexer failed: " + f.getMessage(), f);
    }
  }

  private static byte[] mark(long epoch, byte[] key) {
    return ByteBuffer.allocate(1 + 8 + key.length).put(Keys.DIRTY).putLong(epoch).put(key).array();
  }

  private void put(byte[] key, Row row, byte[] json) {
    Map<String, List<String>> text = new LinkedHashMap<>();
    for (String field : spec.fields()) {
      text.put(field, FieldValues.texts(row, field));
    }
    Map<String, List<String>> facets = new LinkedHashMap<>();
    for (String field : spec.facets()) {
      facets.put(field, FieldValues.texts(row, field));
    }
    index.put(key, new String(json, StandardCharsets.UTF_8), text, facets);
  }

  /**
   * Opens the Lucene index and brings it to the space's positions: when its last commit is at
   * other positions (a crash after the space committed), the documents of every marked key are set
   * from the space's rows; when the index is missing or has no marks to go by, all of them. Then
   * starts the indexer.
   */
  @Override
  public void recover(Space space, Map<String, long[]> positions) {
    this.space = space;
    this.index = SearchIndex.open(dir, spec.fields(), spec.facets());
    this.lastPositions = positions;
    String committed = index.committedData().get(POSITIONS);
    String now = encode(positions);
    List<byte[]> marks = new ArrayList<>();
    space.scan(new byte[] {Keys.DIRTY}, new byte[] {Keys.DIRTY + 1}, (k, v) -> {
      marks.add(k);
      return true;
    });
    if (!now.equals(committed)) {
      if (committed == null && !isZero(positions) || committed != null && marks.isEmpty()) {
        reindexAll();
      } else {
        for (byte[] mark : marks) {
          byte[] key = Arrays.copyOfRange(mark, 1 + 8, mark.length);
          byte[] json = space.get(Keys.row(key));
          if (json == null) {
            index.delete(key);
          } else {
            put(key, Row.fromJson(json, null), json);
          }
        }
      }
      index.commit(Map.of(POSITIONS, now));
    }
    deleteMarks(marks);
    lastCommitMs = System.currentTimeMillis();
    indexer = new Thread(this::runIndexer, "sluice-search-indexer-" + dir.getFileName());
    indexer.setDaemon(true);
    indexer.start();
  }

  private void reindexAll() {
    index.deleteAll();
    space.scan(new byte[] {Keys.ROW}, new byte[] {Keys.ROW + 1}, (k, json) -> {
      put(Arrays.copyOfRange(k, 1, k.length), Row.fromJson(json, null), json);
      return true;
    });
  }

  private void deleteMarks(List<byte[]> marks) {
    if (marks.isEmpty()) {
      return;
    }
    try (Batch batch = space.batch()) {
      marks.forEach(batch::delete);
      batch.commit();
    }
  }

  /** The indexer thread: applies ops in order until {@link Stop}. */
  private void runIndexer() {
    try {
      while (true) {
        Op op = queue.take();
        switch (op) {
          case Put p -> put(p.key(), p.row(), p.json());
          case Delete d -> index.delete(d.key());
          case Commit c -> committer.execute(() -> {
            // On a thread of its own so that indexing goes on during the fsyncs: a commit may then
            // hold changes of later epochs too, which the marks still name and a replay re-applies.
            try {
              index.commit(Map.of(POSITIONS, c.positions()));
              committedEpoch = c.epoch();
            } catch (RuntimeException e) {
              failure = e;
            }
          });
          case Stop s -> {
            committer.shutdown();
            committer.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
            return;
          }
        }
        synchronized (progress) {
          applied++;
          progress.notifyAll();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
      synchronized (progress) {
        progress.notifyAll();
      }
    }
  }

  @Override
  public void committed(Map<String, long[]> positions, boolean idle) {
    throwIfFailed();
    lastPositions = positions;
    if (idle && !live) {
      live = true; // caught up: from now on changes trickle in and must be searchable at once
      index.refreshEvery(SearchIndex.REFRESH_LIVE_MS);
    }
    long interval = live ? COMMIT_INTERVAL_MS : COMMIT_INTERVAL_BUILDING_MS;
    if (uncommitted && System.currentTimeMillis() - lastCommitMs >= interval) {
      commit(positions);
    }
    long covered = committedEpoch;
    if (covered > clearedEpoch) {
      clearMarksThrough(covered);
    }
  }

  /** Hands a commit of everything written so far to the indexer; later writes get a new epoch. */
  private void commit(Map<String, long[]> positions) {
    enqueue(new Commit(encode(positions), epoch));
    epoch++;
    lastCommitMs = System.currentTimeMillis();
    uncommitted = false;
  }

  /** Deletes marks of epochs up to {@code covered}: on the task's thread, the space's one writer. */
  private void clearMarksThrough(long covered) {
    byte[] end = ByteBuffer.allocate(1 + 8).put(Keys.DIRTY).putLong(covered + 1).array();
    List<byte[]> marks = new ArrayList<>();
    space.scan(new byte[] {Keys.DIRTY}, end, (k, v) -> {
      marks.add(k);
      return true;
    });
    deleteMarks(marks);
    clearedEpoch = covered;
  }

  /** Waits until the indexer has applied everything handed to it so far (for reads after a token). */
  void awaitApplied(long deadlineNanos) throws InterruptedException {
    long target = enqueued;
    synchronized (progress) {
      while (applied < target && failure == null) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return;
        }
        progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }

  @Override
  public void stopping() {
    stopping = true;
  }

  /** Commits what is pending, stops the indexer and closes Lucene. */
  @Override
  public void close() {
    SearchIndex open = index;
    if (open == null) {
      return;
    }
    try {
      if (indexer != null && indexer.isAlive()) {
        if (uncommitted && failure == null && lastPositions != null) {
          commit(lastPositions);
        }
        enqueue(new Stop());
        indexer.join(CLOSE_WAIT_MS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // The indexer failed: what it did not commit is recovered from the marks at the next start.
    } finally {
      committer.shutdown();
      try {
        committer.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      index = null;
      open.close();
    }
  }

  @Override
  public void destroy() {
    SearchIndex.destroy(dir);
  }

  /** The index to search; null before {@link #recover} or after {@link #close}. */
  SearchIndex index() {
    return index;
  }

  static boolean isZero(Map<String, long[]> positions) {
    return positions.values().stream().allMatch(p -> Arrays.stream(p).allMatch(n -> n == 0));
  }

  /** The positions as a commit's user data holds them: sources in name order. */
  static String encode(Map<String, long[]> positions) {
    try {
      Map<String, long[]> sorted = new TreeMap<>(new HashMap<>(positions));
      return JSON.writeValueAsString(sorted);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
