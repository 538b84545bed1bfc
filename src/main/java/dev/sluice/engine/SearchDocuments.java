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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A search index's documents. Rows are kept in the version's space as a view keeps them (so {@code
 * rows} reads work and recovery has them), and each change is mirrored into a Lucene index: a new
 * or changed row replaces the document with its key, a removed row deletes it.
 *
 * <p>Lucene work runs on an indexer thread of its own, so that reading the log, the dataflow and
 * RocksDB (the task's thread) overlap with analysis and indexing. A batch's changes are handed to
 * it together, once the batch has committed: one hand-over per batch rather than one per change,
 * and Lucene never holds a change the space may still lose. Once live, the indexer asks for a
 * near-real-time refresh as soon as it has applied what it was given, so a processed event is
 * searchable without waiting for a durable Lucene commit.
 *
 * <p>Lucene commits carry what they reflect in their user data — the input positions and the
 * changelog's head — and come at most every {@link #COMMIT_INTERVAL_MS} once live ({@link
 * #COMMIT_INTERVAL_BUILDING_MS} while building). The space is ahead of the last Lucene commit; after
 * a kill -9, {@link #recover} sets the document of every key the changelog names after the
 * committed head from the space's row, which brings Lucene to the space's positions (setting a
 * document twice is harmless: it is replaced by its key).
 */
final class SearchDocuments implements RowSink {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Lucene commits fsync and flush a segment: while events stream in, one every 5 s bounds their
   * cost and the work re-indexed after a crash. Searches do not wait for them (NRT refreshes).
   */
  static final long COMMIT_INTERVAL_MS = 5_000;
  /**
   * While building, each commit would also flush a small segment that must be merged later: commit
   * seldom, at the price of re-indexing up to this much work after a crash.
   */
  static final long COMMIT_INTERVAL_BUILDING_MS = 30_000;
  static final String POSITIONS = "sluice.positions";
  /** The changelog head the commit reflects: recovery re-applies the changes after it. */
  static final String CHANGES = "sluice.changes";
  /** Batches waiting for the indexer: bounds memory; a full queue slows the task to Lucene's pace. */
  private static final int QUEUE_BATCHES = 8;
  private static final long CLOSE_WAIT_MS = 60_000;

  private final IndexSpec spec;
  private final Path dir;
  private volatile SearchIndex index;
  private Space space;
  private Thread indexer;
  private final BlockingQueue<Op> queue = new ArrayBlockingQueue<>(QUEUE_BATCHES);
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
  /** Set once the task caught up: from then on the indexer asks for a refresh after each batch. */
  private volatile boolean live;

  /** Changes of the batch being written, handed over when it commits. */
  private List<Change> batchChanges = new ArrayList<>();
  private boolean uncommitted;
  private long lastCommitMs;
  private Map<String, long[]> lastPositions;
  private long lastChanges;

  private sealed interface Op {}

  private sealed interface Change {}

  private record Put(byte[] key, Row row, byte[] json) implements Change {}

  private record Delete(byte[] key) implements Change {}

  private record Changes(List<Change> changes) implements Op {}

  private record Commit(String positions, long changes) implements Op {}

  private record Stop() implements Op {}

  SearchDocuments(IndexSpec spec, Path dir) {
    this.spec = spec;
    this.dir = dir;
  }

  @Override
  public long write(Batch batch, ViewChange change, byte[] newJson) {
    throwIfFailed();
    byte[] key = change.key().bytes();
    if (change.newRow() == null) {
      batch.delete(Keys.row(key));
      batchChanges.add(new Delete(key));
      return -1;
    }
    batch.put(Keys.row(key), newJson);
    batchChanges.add(new Put(key, change.newRow(), newJson));
    return change.oldRow() == null ? 1 : 0;
  }

  @Override
  public void batchCommitted() {
    if (batchChanges.isEmpty()) {
      return;
    }
    List<Change> changes = batchChanges;
    batchChanges = new ArrayList<>(changes.size());
    uncommitted = true;
    enqueue(new Changes(changes));
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
      throw new IllegalStateException("interrupted while handing changes to the search indexer", e);
    }
    enqueued++;
  }

  private void throwIfFailed() {
    RuntimeException f = failure;
    if (f != null) {
      throw new IllegalStateException("the search indexer failed: " + f.getMessage(), f);
    }
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

  /** Sets the document of {@code key} to the space's committed row (or removes it). */
  private void setFromSpace(byte[] key) {
    byte[] json = space.get(Keys.row(key));
    if (json == null) {
      index.delete(key);
    } else {
      put(key, Row.fromJson(json, null), json);
    }
  }

  /**
   * Opens the Lucene index and brings it to the space's positions: when its last commit is at
   * other positions (a crash after the space committed), the document of every key the changelog
   * names after the commit's head is set from the space's row; when the index is missing, or the
   * changelog no longer reaches back to the commit, all of them. Then starts the indexer.
   */
  @Override
  public void recover(Space space, Map<String, long[]> positions, long changes) {
    this.space = space;
    this.index = SearchIndex.open(dir, spec.fields(), spec.facets());
    this.lastPositions = positions;
    this.lastChanges = changes;
    Map<String, String> data = index.committedData();
    String committed = data.get(POSITIONS);
    String committedChanges = data.get(CHANGES);
    String now = encode(positions);
    if (!now.equals(committed) || !Long.toString(changes).equals(committedChanges)) {
      boolean fresh = committed == null && isZero(positions) && changes == 0;
      if (!fresh) {
        Set<ByteBuffer> keys = new LinkedHashSet<>();
        boolean replayable = committedChanges != null
            && Changelog.keysFrom(space, Long.parseLong(committedChanges) + 1, changes, key -> keys.add(ByteBuffer.wrap(key)));
        if (replayable) {
          keys.forEach(key -> setFromSpace(key.array()));
        } else {
          reindexAll();
        }
      }
      index.commit(Map.of(POSITIONS, now, CHANGES, Long.toString(changes)));
    }
    // Versions before the changelog carried recovery marked each changed key under this prefix.
    space.deleteRange(new byte[] {Keys.DIRTY}, new byte[] {Keys.DIRTY + 1});
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

  /** The indexer thread: applies ops in order until {@link Stop}. */
  private void runIndexer() {
    try {
      while (true) {
        Op op = queue.take();
        switch (op) {
          case Changes c -> {
            for (Change change : c.changes()) {
              switch (change) {
                case Put p -> put(p.key(), p.row(), p.json());
                case Delete d -> index.delete(d.key());
              }
            }
            if (live && queue.isEmpty()) {
              index.refreshSoon(); // nothing more to apply: make what was applied searchable now
            }
          }
          case Commit c -> committer.execute(() -> {
            // On a thread of its own so that indexing goes on during the fsyncs: a commit may then
            // hold changes after its head too, which recovery sets again from the space.
            try {
              index.commit(Map.of(POSITIONS, c.positions(), CHANGES, Long.toString(c.changes())));
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
  public void committed(Map<String, long[]> positions, long changes, boolean idle) {
    throwIfFailed();
    lastPositions = positions;
    lastChanges = changes;
    if (idle && !live) {
      live = true; // caught up: from now on changes trickle in and must be searchable at once
      index.refreshEvery(SearchIndex.REFRESH_LIVE_MS);
      index.refreshSoon();
    }
    long interval = live ? COMMIT_INTERVAL_MS : COMMIT_INTERVAL_BUILDING_MS;
    if (uncommitted && System.currentTimeMillis() - lastCommitMs >= interval) {
      commit(positions, changes);
    }
  }

  /** Hands a commit of everything handed over so far to the indexer. */
  private void commit(Map<String, long[]> positions, long changes) {
    enqueue(new Commit(encode(positions), changes));
    lastCommitMs = System.currentTimeMillis();
    uncommitted = false;
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
          commit(lastPositions, lastChanges);
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
