package dev.sluice.log;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The contract of {@link EventLog} as the simplest thing that could be right: lists in memory. A
 * property test runs the same random history against a real log and this model and compares every
 * answer and every record.
 */
public final class LogModel {

  /** What the model expects of an append. */
  public sealed interface Outcome permits Appended, Rejected {}

  /** Appended: a position per event, in request order; duplicates point at the original. */
  public record Appended(List<Position> positions, int appended, int duplicates) implements Outcome {}

  /** Rejected with nothing appended, for any of these reasons when the request has several faults. */
  public record Rejected(Set<ErrorCode> codes) implements Outcome {}

  private final int eventBytesMax;
  private final long requestBytesMax;
  private final Map<String, Stream> streams = new TreeMap<>();

  private static final class Stream {
    final StreamSpec spec;
    final List<List<Record>> partitions = new ArrayList<>();
    final Map<String, Position> ids = new HashMap<>();

    Stream(StreamSpec spec) {
      this.spec = spec;
      for (int p = 0; p < spec.partitions(); p++) {
        partitions.add(new ArrayList<>());
      }
    }
  }

  public LogModel(int eventBytesMax, long requestBytesMax) {
    this.eventBytesMax = eventBytesMax;
    this.requestBytesMax = requestBytesMax;
  }

  public void create(StreamSpec spec) {
    streams.put(spec.name(), new Stream(spec));
  }

  public List<StreamSpec> streams() {
    return streams.values().stream().map(s -> s.spec).toList();
  }

  public List<Record> records(String stream, int partition) {
    return List.copyOf(streams.get(stream).partitions.get(partition));
  }

  /** Appends {@code events} at {@code nowMs}, all or nothing. */
  public Outcome append(String name, List<Event> events, long nowMs) {
    Stream stream = streams.get(name);
    if (stream == null) {
      return new Rejected(EnumSet.of(ErrorCode.UNKNOWN_STREAM));
    }
    Set<ErrorCode> faults = EnumSet.noneOf(ErrorCode.class);
    long requestBytes = 0;
    for (Event e : events) {
      if (e.sizeBytes() > eventBytesMax) {
        faults.add(ErrorCode.EVENT_TOO_LARGE);
      }
      if (e.delete() && stream.spec.kind() != StreamKind.TABLE) {
        faults.add(ErrorCode.INVALID_EVENT);
      }
      requestBytes += e.sizeBytes();
    }
    if (requestBytes > requestBytesMax) {
      faults.add(ErrorCode.REQUEST_TOO_LARGE);
    }
    int n = stream.spec.partitions();
    long[] next = new long[n];
    for (int p = 0; p < n; p++) {
      next[p] = stream.partitions.get(p).size();
    }
    Map<String, Position> idsInRequest = new HashMap<>();
    List<Record> added = new ArrayList<>();
    List<Position> positions = new ArrayList<>();
    for (Event e : events) {
      if (e.id() != null) {
        Position original = idsInRequest.containsKey(e.id()) ? idsInRequest.get(e.id()) : stream.ids.get(e.id());
        if (Ids.isGeneratedForm(e.id())) {
          // A generated id is the name of a position: a client may send it only for an event that exists.
          long[] named = Ids.parseGenerated(e.id());
          if (named == null || named[0] >= n || named[1] >= next[(int) named[0]]) {
            faults.add(ErrorCode.INVALID_ID);
            continue;
          }
          original = new Position((int) named[0], named[1], true);
        }
        if (original != null) {
          positions.add(original);
          continue;
        }
      }
      int p = Partitioner.partition(e.key(), n);
      long offset = next[p]++;
      String id = e.id() != null ? e.id() : Ids.generated(p, offset);
      long time = e.timeMs() != null ? e.timeMs() : nowMs;
      added.add(new Record(p, offset, e.key(), id, time, e.causes(), e.delete(), e.value()));
      positions.add(new Position(p, offset, false));
      if (e.id() != null) {
        idsInRequest.put(e.id(), new Position(p, offset, true));
      }
    }
    if (!faults.isEmpty()) {
      return new Rejected(faults);
    }
    for (Record r : added) {
      stream.partitions.get(r.partition()).add(r);
    }
    stream.ids.putAll(idsInRequest);
    return new Appended(positions, added.size(), events.size() - added.size());
  }
}
