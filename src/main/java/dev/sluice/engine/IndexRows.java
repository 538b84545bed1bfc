package dev.sluice.engine;

import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A secondary index's entries: each row of the source pipeline is stored under the composite key
 * [indexed value(s)…, row key], so every row with one value is a prefix scan and several rows may
 * share a value. A change whose indexed value moved deletes the old entry and writes the new one.
 */
final class IndexRows implements RowSink {
  private final IndexSpec spec;

  IndexRows(IndexSpec spec) {
    this.spec = spec;
  }

  @Override
  public long write(Batch batch, ViewChange change, byte[] newJson) {
    byte[] oldEntry = change.oldRow() == null ? null : entry(change.oldRow(), change.key());
    byte[] newEntry = change.newRow() == null ? null : entry(change.newRow(), change.key());
    long delta = 0;
    if (oldEntry != null && (newEntry == null || !Arrays.equals(oldEntry, newEntry))) {
      batch.delete(oldEntry);
      delta--;
    }
    if (newEntry != null) {
      batch.put(newEntry, newJson);
      if (oldEntry == null || !Arrays.equals(oldEntry, newEntry)) {
        delta++;
      }
    }
    return delta;
  }

  /** The entry's key in the space: [indexed value(s)…, row key] after the row prefix. */
  byte[] entry(Row row, RowKey key) {
    RowKey[] parts = new RowKey[spec.fields().size() + 1];
    for (int i = 0; i < spec.fields().size(); i++) {
      parts[i] = RowKey.of(FieldValues.of(row, spec.fields().get(i)));
    }
    parts[parts.length - 1] = key;
    return Keys.row(RowKey.list(parts).bytes());
  }

  /** A page of rows whose indexed values start with the values looked up. */
  record Page(List<byte[]> rows, String nextCursor) {}

  /**
   * The rows whose first {@code values.size()} indexed fields equal {@code values}, in the order of
   * the remaining values and then of row keys, after {@code cursor} (from a previous page; null:
   * from the first).
   */
  Page lookup(Space space, List<Object> values, String cursor, int limit) {
    if (values.size() > spec.fields().size()) {
      throw new IllegalArgumentException("the index has " + spec.fields().size() + " field(s); "
          + values.size() + " values were given");
    }
    RowKey[] parts = new RowKey[values.size()];
    for (int i = 0; i < parts.length; i++) {
      parts[i] = RowKey.of(values.get(i));
    }
    byte[] list = RowKey.list(parts).bytes();
    // The encoded list ends with its terminator; without it, it is the prefix of longer lists.
    byte[] prefix = Keys.row(Arrays.copyOf(list, list.length - 1));
    byte[] from = prefix;
    if (cursor != null) {
      byte[] after;
      try {
        after = Base64.getUrlDecoder().decode(cursor);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the cursor is not one this index gave out");
      }
      if (!startsWith(after, prefix)) {
        throw new IllegalArgumentException("the cursor belongs to another lookup");
      }
      from = Arrays.copyOf(after, after.length + 1); // just after it
    }
    List<byte[]> rows = new ArrayList<>();
    byte[][] last = new byte[1][];
    space.scan(from, new byte[] {Keys.ROW + 1}, (key, value) -> {
      if (!startsWith(key, prefix)) {
        return false;
      }
      if (rows.size() == limit) {
        return false;
      }
      rows.add(value);
      last[0] = key;
      return true;
    });
    String next = null;
    if (rows.size() == limit && last[0] != null && hasMore(space, last[0], prefix)) {
      next = Base64.getUrlEncoder().withoutPadding().encodeToString(last[0]);
    }
    return new Page(rows, next);
  }

  private static boolean hasMore(Space space, byte[] lastKey, byte[] prefix) {
    boolean[] more = new boolean[1];
    space.scan(Arrays.copyOf(lastKey, lastKey.length + 1), new byte[] {Keys.ROW + 1}, (key, value) -> {
      more[0] = startsWith(key, prefix);
      return false;
    });
    return more[0];
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }
}
