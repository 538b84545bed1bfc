package dev.sluice.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.operators.Row;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
import dev.sluice.stores.search.SearchIndex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A search index's documents. Rows are kept in the version's space as a view keeps them (so {@code
 * rows} reads work and recovery has them), and each change is mirrored into a Lucene index: a new
 * or changed row replaces the document with its key, a removed row deletes it.
 *
 * <p>Lucene commits carry the input positions they reflect (commit user data), at most every
 * {@link #COMMIT_INTERVAL_MS} while busy and as soon as the task is idle. The space commits every
 * batch; after a kill -9 it is ahead of the last Lucene commit, so {@link #recover} re-indexes the
 * rows that changed since: the space marks each key it changes (prefix {@link Keys#DIRTY}) in the
 * same batch as the change, and clears the marks once a Lucene commit covers them.
 */
final class SearchDocuments implements RowSink {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Lucene commits fsync: while events stream in, one a second bounds their cost and the replay. */
  static final long COMMIT_INTERVAL_MS = 1_000;
  static final String POSITIONS = "sluice.positions";

  private final IndexSpec spec;
  private final Path dir;
  private volatile SearchIndex index;
  private Space space;
  private boolean uncommitted;
  private long lastCommitMs;

  SearchDocuments(IndexSpec spec, Path dir) {
    this.spec = spec;
    this.dir = dir;
  }

  @Override
  public long write(Batch batch, ViewChange change) {
    byte[] key = change.key().bytes();
    batch.put(Keys.dirty(key), new byte[0]);
    uncommitted = true;
    if (change.newRow() == null) {
      batch.delete(Keys.row(key));
      index.delete(key);
      return -1;
    }
    byte[] json = change.newRow().toJson();
    batch.put(Keys.row(key), json);
    put(key, change.newRow(), json);
    return change.oldRow() == null ? 1 : 0;
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
   * Opens the Lucene index. When its last commit is not at the space's positions (a crash after the
   * space committed), the documents of every key marked since the last Lucene commit are set from
   * the space's rows; when the index is missing or from other positions altogether, all of them.
   */
  @Override
  public void recover(Space space, Map<String, long[]> positions) {
    this.space = space;
    this.index = SearchIndex.open(dir, spec.fields(), spec.facets());
    String committed = index.committedData().get(POSITIONS);
    String now = encode(positions);
    if (now.equals(committed)) {
      clearMarks();
      return;
    }
    boolean[] anyMarked = new boolean[1];
    space.scan(new byte[] {Keys.DIRTY}, new byte[] {Keys.DIRTY + 1}, (k, v) -> {
      anyMarked[0] = true;
      return false;
    });
    if (committed == null && !isZero(positions) || committed != null && !anyMarked[0]) {
      reindexAll();
    } else {
      space.scan(new byte[] {Keys.DIRTY}, new byte[] {Keys.DIRTY + 1}, (k, v) -> {
        byte[] key = Arrays.copyOfRange(k, 1, k.length);
        byte[] json = space.get(Keys.row(key));
        if (json == null) {
          index.delete(key);
        } else {
          put(key, Row.fromJson(json, null), json);
        }
        return true;
      });
    }
    commit(positions);
  }

  private void reindexAll() {
    index.deleteAll();
    space.scan(new byte[] {Keys.ROW}, new byte[] {Keys.ROW + 1}, (k, json) -> {
      put(Arrays.copyOfRange(k, 1, k.length), Row.fromJson(json, null), json);
      return true;
    });
  }

  @Override
  public void committed(Map<String, long[]> positions, boolean idle) {
    if (uncommitted && (idle || System.currentTimeMillis() - lastCommitMs >= COMMIT_INTERVAL_MS)) {
      commit(positions);
    }
  }

  private void commit(Map<String, long[]> positions) {
    index.commit(Map.of(POSITIONS, encode(positions)));
    lastCommitMs = System.currentTimeMillis();
    uncommitted = false;
    clearMarks();
  }

  /** The marks are covered by the Lucene commit just made: the task is the space's only writer. */
  private void clearMarks() {
    try (Batch batch = space.batch()) {
      int[] n = new int[1];
      space.scan(new byte[] {Keys.DIRTY}, new byte[] {Keys.DIRTY + 1}, (k, v) -> {
        batch.delete(k);
        n[0]++;
        return true;
      });
      if (n[0] > 0) {
        batch.commit();
      }
    }
  }

  @Override
  public void close() {
    if (index != null) {
      index.close();
      index = null;
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

  private static boolean isZero(Map<String, long[]> positions) {
    return positions.values().stream().allMatch(p -> Arrays.stream(p).allMatch(n -> n == 0));
  }

  private static String encode(Map<String, long[]> positions) {
    try {
      return JSON.writeValueAsString(new TreeMap<>(positions));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
