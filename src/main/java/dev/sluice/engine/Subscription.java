package dev.sluice.engine;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.operators.RowKey;
import dev.sluice.stores.Space;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One subscriber's read of a view's changes: a snapshot of the current rows when it starts fresh
 * (or resumes from a position the changelog no longer holds), then every change after that, each
 * once, in commit order. It reads the view's ring of recent changes, or the stored changelog in
 * batches while it catches up; it never holds up the view, which does not wait for it.
 *
 * <p>A position is {@code VERSION:N}: the view version and the change's number in its changelog.
 * A subscriber that reads live and falls {@value Changelog#RING_CHANGES} changes behind is ended
 * with an {@link Kind#OVERFLOW} event holding the position to resume from.
 */
public final class Subscription implements AutoCloseable {
  /** Events handed out per call: bounds what a subscriber holds in memory. */
  static final int EVENTS_MAX = 512;

  public enum Kind {
    /** Before the rows of a snapshot: the client drops what it held. */
    SNAPSHOT_BEGIN,
    /** A current row: {@code {"key":K,"old":null,"new":ROW,"snapshot":true}}. */
    SNAPSHOT_ROW,
    /** The snapshot is complete; its id is the position changes follow from. */
    SNAPSHOT_END,
    /** One change: {@code {"position":N,"version":V,"key":K,"old":…,"new":…}}. */
    CHANGE,
    /** The subscriber fell too far behind; resume from the id. The last event. */
    OVERFLOW,
    /** The view version was dropped or replaced; resume from the id. The last event. */
    ENDED;

    /** The SSE event name: {@code snapshot_begin}, {@code snapshot}, {@code snapshot_end}, {@code change}, … */
    public String wireName() {
      return this == SNAPSHOT_ROW ? "snapshot" : name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One event; {@code id} is the resume position, or null for events that are not one. */
  public record Event(Kind kind, String id, byte[] json) {}

  /**
   * Which changes a subscriber wants: all (both null), one key, or keys with a text prefix; and
   * when {@code rows} is given, only rows it accepts (an instance's part of a divided view).
   */
  public record Filter(List<RowKey> keys, String prefix, java.util.function.Predicate<RowKey> rows) {
    public static final Filter ALL = new Filter(null, null);

    public Filter(List<RowKey> keys, String prefix) {
      this(keys, prefix, null);
    }

    /** This filter, further restricted to the rows {@code accepted} accepts. */
    public Filter only(java.util.function.Predicate<RowKey> accepted) {
      return new Filter(keys, prefix, rows == null ? accepted : rows.and(accepted));
    }

    boolean matches(RowKey key) {
      if (rows != null && !rows.test(key)) {
        return false;
      }
      if (keys != null) {
        return keys.contains(key);
      }
      if (prefix != null) {
        return key.value() instanceof String s && s.startsWith(prefix)
            || key.value() instanceof List<?> l && !l.isEmpty() && String.valueOf(l.get(0)).startsWith(prefix);
      }
      return true;
    }
  }

  private final Changelog changelog;
  private final Filter filter;
  /** The last position delivered (or covered by the snapshot). */
  private long cursor;
  /** Reading the ring: from now on, falling out of it is an overflow. */
  private boolean live;
  private boolean over;
  /** While a snapshot is being sent: the pinned view of the rows, and the last row key sent. */
  private Space.Snapshot snapshot;
  private byte[] snapshotAfter;
  private boolean snapshotBegun;

  Subscription(Changelog changelog, Filter filter, String from) {
    this.changelog = changelog;
    this.filter = filter;
    Position resume = from == null ? null : Position.parse(from, changelog.version());
    if (resume != null && resume.version() == changelog.version() && resume.n() > changelog.head()) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "position " + from + " is past the view's last change ("
          + changelog.version() + ":" + changelog.head() + ")");
    }
    if (resume == null || resume.version() != changelog.version() || resume.n() + 1 < changelog.oldest()) {
      startSnapshot();
    } else {
      cursor = resume.n();
    }
  }

  /** A resume position: view version and change number. */
  record Position(long version, long n) {
    static Position parse(String text, long currentVersion) {
      String t = text.trim();
      try {
        int colon = t.indexOf(':');
        Position p = colon < 0
            ? new Position(currentVersion, Long.parseLong(t))
            : new Position(Long.parseLong(t.substring(0, colon)), Long.parseLong(t.substring(colon + 1)));
        if (p.version() >= 1 && p.n() >= 0) {
          return p;
        }
      } catch (NumberFormatException e) {
        // falls through to the message that says what a position looks like
      }
      throw new LogException(ErrorCode.INVALID_ARGUMENT,
          "'" + text + "' is not a change position; use the id of an event (VERSION:N, or N for the current version)");
    }
  }

  private void startSnapshot() {
    Space.Snapshot pinned = changelog.read(Space::snapshot);
    if (pinned == null) {
      throw new LogException(ErrorCode.NOT_FOUND, "the view was dropped or replaced; subscribe again");
    }
    snapshot = pinned;
    byte[] head = pinned.get(Keys.CHANGES_HEAD);
    cursor = head == null ? 0 : Keys.longOf(head);
    snapshotAfter = null;
  }

  public boolean over() {
    return over;
  }

  /** The position to resume from after the events handed out so far. */
  public String position() {
    return changelog.version() + ":" + cursor;
  }

  /**
   * The next events, waiting up to {@code waitMs} for some; empty when none came. After an
   * {@link Kind#OVERFLOW} or {@link Kind#ENDED} event there are no more.
   */
  public List<Event> next(long waitMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    while (!over) {
      if (snapshot != null) {
        return snapshotEvents();
      }
      var woken = changelog.nextCommit();
      if (changelog.closed()) {
        return end(Kind.ENDED, "the view version was dropped or replaced");
      }
      if (cursor < changelog.head()) {
        List<Event> events = changes();
        if (!events.isEmpty() || over) {
          return events;
        }
        continue; // changes came, none for this filter
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return List.of();
      }
      try {
        woken.get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return List.of();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    return List.of();
  }

  private List<Event> changes() {
    List<Changelog.Entry> entries;
    if (changelog.inRing(cursor)) {
      entries = changelog.fromRing(cursor, EVENTS_MAX);
      if (entries == null) {
        return lapped();
      }
      live = true;
    } else if (live) {
      return lapped();
    } else {
      if (cursor + 1 < changelog.oldest()) {
        return end(Kind.OVERFLOW, "the changelog was trimmed past this subscriber; resuming starts with a snapshot");
      }
      entries = changelog.fromStore(cursor, EVENTS_MAX);
      if (changelog.closed()) {
        return end(Kind.ENDED, "the view version was dropped or replaced");
      }
      if (!entries.isEmpty() && entries.get(0).position() != cursor + 1) {
        return end(Kind.OVERFLOW, "the changelog was trimmed past this subscriber; resuming starts with a snapshot");
      }
    }
    List<Event> out = new ArrayList<>();
    for (Changelog.Entry e : entries) {
      cursor = e.position();
      if (filter.matches(e.key())) {
        out.add(new Event(Kind.CHANGE, position(), e.json()));
      }
    }
    return out;
  }

  private List<Event> lapped() {
    return end(Kind.OVERFLOW, "the subscriber fell more than " + Changelog.RING_CHANGES
        + " changes behind the view; resume from this position");
  }

  private List<Event> end(Kind kind, String reason) {
    over = true;
    String json = "{\"position\":" + cursor + ",\"version\":" + changelog.version() + ",\"resume\":\"" + position()
        + "\",\"reason\":\"" + reason + "\"}";
    return List.of(new Event(kind, position(), json.getBytes(StandardCharsets.UTF_8)));
  }

  private List<Event> snapshotEvents() {
    List<Event> out = new ArrayList<>();
    if (!snapshotBegun) {
      snapshotBegun = true;
      out.add(new Event(Kind.SNAPSHOT_BEGIN, null,
          ("{\"snapshot\":true,\"version\":" + changelog.version() + "}").getBytes(StandardCharsets.UTF_8)));
    }
    boolean[] done = {true};
    Boolean read = changelog.read(space -> {
      if (filter.keys() != null) {
        for (RowKey key : filter.keys()) {
          byte[] row = snapshot.get(Keys.row(key.bytes()));
          if (row != null && filter.matches(key)) {
            out.add(rowEvent(key, row));
          }
        }
        return true;
      }
      byte[] from = snapshotAfter == null ? Keys.row(new byte[0]) : successor(snapshotAfter);
      snapshot.scan(from, new byte[] {Keys.ROW + 1}, (key, value) -> {
        snapshotAfter = key;
        RowKey rowKey = RowKey.fromBytes(Arrays.copyOfRange(key, 1, key.length));
        if (filter.matches(rowKey)) {
          out.add(rowEvent(rowKey, value));
        }
        if (out.size() >= EVENTS_MAX) {
          done[0] = false;
          return false;
        }
        return true;
      });
      return true;
    });
    if (read == null) {
      closeSnapshot();
      return end(Kind.ENDED, "the view version was dropped or replaced");
    }
    if (done[0]) {
      closeSnapshot();
      out.add(new Event(Kind.SNAPSHOT_END, position(),
          ("{\"snapshot\":true,\"position\":" + cursor + ",\"version\":" + changelog.version() + "}").getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  private static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  private static Event rowEvent(RowKey key, byte[] row) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(row.length + 64);
    out.writeBytes("{\"key\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(key.toString().getBytes(StandardCharsets.UTF_8));
    out.writeBytes(",\"old\":null,\"new\":".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(row);
    out.writeBytes(",\"snapshot\":true}".getBytes(StandardCharsets.UTF_8));
    return new Event(Kind.SNAPSHOT_ROW, null, out.toByteArray());
  }

  private void closeSnapshot() {
    if (snapshot != null) {
      Space.Snapshot s = snapshot;
      snapshot = null;
      // Released even after the version closed: a snapshot belongs to the database, not the space.
      s.close();
    }
  }

  @Override
  public void close() {
    closeSnapshot();
    over = true;
  }
}
