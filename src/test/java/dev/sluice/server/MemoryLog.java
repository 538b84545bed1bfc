package dev.sluice.server;

import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.StreamStats;
import dev.sluice.log.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/** A log held in memory, so the server's tests run before and apart from the embedded log. */
final class MemoryLog implements EventLog {
  private final Map<String, StreamSpec> specs = new TreeMap<>();
  private final Map<String, List<List<Record>>> partitions = new HashMap<>();
  private final Map<String, Map<String, Position>> ids = new HashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(String stream, int partition, long offset, CompletableFuture<Void> done) {}

  @Override
  public synchronized StreamSpec create(StreamSpec spec, boolean ifNotExists) {
    StreamSpec existing = specs.get(spec.name());
    if (existing != null) {
      if (ifNotExists && existing.equals(spec)) {
        return existing;
      }
      throw new LogException(ErrorCode.STREAM_EXISTS, "stream '" + spec.name() + "' already exists");
    }
    specs.put(spec.name(), spec);
    List<List<Record>> lists = new ArrayList<>();
    for (int p = 0; p < spec.partitions(); p++) {
      lists.add(new ArrayList<>());
    }
    partitions.put(spec.name(), lists);
    ids.put(spec.name(), new HashMap<>());
    return spec;
  }

  @Override
  public synchronized Optional<StreamSpec> stream(String name) {
    return Optional.ofNullable(specs.get(name));
  }

  @Override
  public synchronized List<StreamSpec> streams() {
    return List.copyOf(specs.values());
  }

  @Override
  public synchronized StreamStats stats(String stream) {
    List<List<Record>> lists = lists(stream);
    long[] ends = new long[lists.size()];
    long bytes = 0;
    for (int p = 0; p < ends.length; p++) {
      ends[p] = lists.get(p).size();
      for (Record r : lists.get(p)) {
        bytes += r.value().length;
      }
    }
    return new StreamStats(specs.get(stream), ends, bytes);
  }

  @Override
  public synchronized CompletableFuture<AppendResult> append(String stream, List<Event> events) {
    List<List<Record>> lists = lists(stream);
    StreamSpec spec = specs.get(stream);
    Map<String, Position> seen = ids.get(stream);
    for (Event e : events) {
      if (e.delete() && spec.kind() != StreamKind.TABLE) {
        throw new LogException(ErrorCode.INVALID_EVENT, "_delete on a stream");
      }
    }
    List<Position> positions = new ArrayList<>();
    int duplicates = 0;
    long now = System.currentTimeMillis();
    for (Event e : events) {
      Position first = e.id() == null ? null : seen.get(e.id());
      if (first != null) {
        positions.add(new Position(first.partition(), first.offset(), true));
        duplicates++;
        continue;
      }
      int p = Partitioner.partition(e.key(), spec.partitions());
      List<Record> list = lists.get(p);
      long offset = list.size();
      String id = e.id() == null ? dev.sluice.log.Ids.generated(p, offset) : e.id();
      long time = e.timeMs() == null ? now : e.timeMs();
      list.add(new Record(p, offset, e.key(), id, time, e.causes(), e.delete(), e.value()));
      seen.put(id, new Position(p, offset, false));
      positions.add(new Position(p, offset, false));
    }
    List<Waiter> ready = waiters.stream().filter(w -> w.stream.equals(stream) && lists.get(w.partition).size() > w.offset).toList();
    waiters.removeAll(ready);
    ready.forEach(w -> w.done.complete(null));
    return CompletableFuture.completedFuture(
        new AppendResult(positions, events.size() - duplicates, duplicates, Token.of(stream, positions)));
  }

  @Override
  public synchronized List<Record> read(String stream, int partition, long from, int maxRecords) {
    List<Record> list = partition(stream, partition);
    int start = (int) Math.min(from, list.size());
    return List.copyOf(list.subList(start, Math.min(list.size(), start + maxRecords)));
  }

  @Override
  public synchronized long endOffset(String stream, int partition) {
    return partition(stream, partition).size();
  }

  @Override
  public synchronized CompletableFuture<Void> awaitRecord(String stream, int partition, long offset) {
    if (partition(stream, partition).size() > offset) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    waiters.add(new Waiter(stream, partition, offset, done));
    return done;
  }

  @Override
  public void close() {}

  private List<List<Record>> lists(String stream) {
    List<List<Record>> lists = partitions.get(stream);
    if (lists == null) {
      throw new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + stream + "'");
    }
    return lists;
  }

  private List<Record> partition(String stream, int partition) {
    List<List<Record>> lists = lists(stream);
    if (partition < 0 || partition >= lists.size()) {
      throw new LogException(ErrorCode.UNKNOWN_PARTITION, "no partition " + partition);
    }
    return lists.get(partition);
  }
}
