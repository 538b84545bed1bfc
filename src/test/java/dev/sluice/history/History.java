package dev.sluice.history;

import java.util.ArrayList;
import java.util.List;

/**
 * A recorded history of operations on one stream, as clients saw them: each append with the events
 * it sent and how it completed, each read with what it returned. Clients record concurrently; the
 * checker reads the whole history once they are done.
 */
final class History {
  /** How an operation completed: acknowledged, definitely not applied, or unknown (timeout, kill). */
  enum Outcome { OK, FAIL, UNKNOWN }

  /** One event as a client sent it: its operation id, its key and its value. */
  record Written(String id, String key, String value) {}

  /** Where the server said an event landed. */
  record Ack(int partition, long offset, boolean duplicate) {}

  /** One event as a read returned it. */
  record Seen(int partition, long offset, String id, String value) {}

  sealed interface Operation {
    int client();

    /** {@link System#nanoTime} when the request was sent and when its answer (or failure) came. */
    long invokedNs();

    long completedNs();

    Outcome outcome();
  }

  /** One append request (atomic: all its events or none); {@code positions} are given when OK. */
  record Append(int client, long invokedNs, long completedNs, List<Written> events, Outcome outcome, List<Ack> positions)
      implements Operation {
    Append {
      events = List.copyOf(events);
      positions = List.copyOf(positions);
    }
  }

  /** One read of a partition from an offset, at most {@code limit} events; {@code events} when OK. */
  record Read(int client, long invokedNs, long completedNs, int partition, long from, int limit, Outcome outcome,
      List<Seen> events) implements Operation {
    Read {
      events = List.copyOf(events);
    }
  }

  private final List<Operation> operations = new ArrayList<>();

  synchronized void add(Operation operation) {
    operations.add(operation);
  }

  synchronized List<Operation> operations() {
    return List.copyOf(operations);
  }
}
