package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Owners;
import dev.sluice.engine.Subscription;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /views/{v}/changes} when several instances share the log (docs/deploy-kafka.md
 * "Subscriptions through any instance"). The instance a client reaches opens a part stream at
 * every instance that serves rows of the view (itself included, over HTTP like the others), each
 * restricted to the rows its instance owns, and merges them into one stream. Its resume ids name
 * the division of the work (the group's generation) and each part's position in its owner's
 * changelog: a resume within the same division continues every part exactly; after a handover it
 * starts over with a snapshot, which the client applies as on any fresh start.
 */
final class ClusterChanges {
  /** Marks a part request, with the generation the merging instance saw. */
  static final String GENERATION_HEADER = "Sluice-Generation";
  /** The most frames waiting between the part streams and the merged one: a slow client holds the parts back. */
  private static final int FRAMES_MAX = 4_096;
  /** The most changes held while the parts' snapshots are still coming. */
  private static final int HELD_MAX = 100_000;
  private static final Duration HOP_LIMIT = Duration.ofSeconds(10);
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Engine engine;
  private final EventStreams streams;

  ClusterChanges(Engine engine, EventStreams streams) {
    this.engine = engine;
    this.streams = streams;
  }

  static boolean isPart(Context ctx) {
    return ctx.header(GENERATION_HEADER) != null && Forwarding.forwarded(ctx);
  }

  /** One instance's part: its owned rows' changes, ended when the division of the work changes. */
  void servePart(Context ctx, String view, Subscription.Filter filter, String from, Params params, long heartbeatMs) {
    long generation;
    try {
      generation = Long.parseLong(ctx.header(GENERATION_HEADER));
    } catch (NumberFormatException e) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, GENERATION_HEADER + " must be a number");
    }
    Owners owners = engine.owners();
    Duration timeout = ViewRoutes.timeout(params);
    owners.awaitRestored(view, timeout);
    List<Integer> owned = owners.ownedPartitions(view);
    if (owners.generation() != generation || owned.isEmpty()) {
      throw moved(view);
    }
    Subscription subscription = engine.subscribe(view, filter.only(owners.rowsOf(view, owned)), from, ViewRoutes.token(params), timeout);
    byte[] part = json(Map.of("generation", generation, "partitions", owned));
    boolean[] announced = {false};
    streams.serve(ctx, heartbeatMs, (sink, waitMs) -> {
      if (!announced[0]) {
        sink.event("part", null, part);
        announced[0] = true;
      }
      if (owners.generation() != generation) {
        return false;
      }
      for (Subscription.Event e : subscription.next(waitMs)) {
        sink.event(e.kind().wireName(), e.id(), e.json());
      }
      return !subscription.over();
    }, subscription::close);
  }

  /** The merged stream the client asked for. */
  void serveMerged(Context ctx, String view, String from, Params params, long heartbeatMs) {
    Owners owners = engine.owners();
    Duration timeout = ViewRoutes.timeout(params);
    ResumeId resume = from == null ? null : ResumeId.decode(from);
    long generation = owners.generation();
    List<String> servers = owners.servers(view, timeout);
    boolean exact = resume != null && resume.generation() == generation && resume.positions().keySet().equals(Set.copyOf(servers));
    List<Part> parts = new ArrayList<>();
    try {
      for (String server : servers) {
        Part part = Part.open(ctx, server, exact ? resume.positions().get(server) : null, generation, timeout);
        parts.add(part);
        if (part.error != null) {
          ctx.status(part.error.statusCode()).contentType("application/json").result(part.error.body());
          parts.forEach(Part::close);
          return;
        }
      }
      checkCoverage(owners, view, parts);
    } catch (RuntimeException e) {
      parts.forEach(Part::close);
      throw e;
    }
    Merge merge = new Merge(parts, generation, exact ? resume.positions() : Map.of(), !exact, owners);
    streams.serve(ctx, heartbeatMs, merge::pump, merge::close);
  }

  /** The parts must cover each partition of a divided view once (a whole view: one part), or ownership moved meanwhile. */
  private static void checkCoverage(Owners owners, String view, List<Part> parts) {
    Set<Integer> covered = new HashSet<>();
    for (Part part : parts) {
      for (int p : part.partitions) {
        if (!covered.add(p)) {
          throw moved(view);
        }
      }
    }
    int expected = owners.divided(view) ? owners.partitions(view) : 1;
    if (covered.size() != expected) {
      throw moved(view);
    }
  }

  private static LogException moved(String view) {
    return new LogException(ErrorCode.OVERLOADED, "the rows of view '" + view
        + "' are moving between instances (a handover, or instances joining); retry in a few seconds");
  }

  private static byte[] json(Object value) {
    try {
      return Responses.JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A resume id of a merged stream: the generation of the division of the work, and each serving
   * instance's position in its own changelog. On the wire: base64url (no padding) of
   * {@code {"g":GENERATION,"p":{"URL":"VERSION:N",…}}}.
   */
  record ResumeId(long generation, Map<String, String> positions) {
    /** An id whose resume starts with a snapshot: it names no division. */
    static final ResumeId FRESH = new ResumeId(-1, Map.of());

    String encode() {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(json(Map.of("g", generation, "p", new TreeMap<>(positions))));
    }

    static ResumeId decode(String text) {
      try {
        JsonNode node = Responses.JSON.readTree(Base64.getUrlDecoder().decode(text.trim()));
        if (node != null && node.path("g").isIntegralNumber() && node.path("p").isObject()) {
          Map<String, String> positions = new TreeMap<>();
          node.path("p").properties().forEach(e -> positions.put(e.getKey(), e.getValue().asText()));
          return new ResumeId(node.path("g").longValue(), positions);
        }
      } catch (IllegalArgumentException | IOException e) {
        // falls through to the message that says what an id is
      }
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "'" + text
          + "' is not a change position of this cluster; resume with the id of an event this cluster sent");
    }
  }

  /** One SSE frame of a part stream; {@code event} null marks the part's end. */
  private record Frame(Part part, String event, String id, String data) {}

  /** A part stream from one instance. */
  private static final class Part {
    final String url;
    Refusal error;
    List<Integer> partitions = List.of();
    private InputStream body;
    private EventStreamReader reader;

    private Part(String url) {
      this.url = url;
    }

    static Part open(Context ctx, String url, String from, long generation, Duration timeout) {
      Part part = new Part(url);
      StringBuilder query = new StringBuilder();
      ctx.queryParamMap().forEach((name, values) -> {
        if (!name.equals("from")) {
          values.forEach(v -> query.append(query.isEmpty() ? "?" : "&").append(enc(name)).append('=').append(enc(v)));
        }
      });
      if (from != null) {
        query.append(query.isEmpty() ? "?" : "&").append("from=").append(enc(from));
      }
      HttpRequest request = HttpRequest.newBuilder(URI.create(url + ctx.path() + query)).timeout(timeout.plus(HOP_LIMIT))
          .header(Forwarding.HEADER, "1").header(GENERATION_HEADER, Long.toString(generation)).GET().build();
      try {
        HttpResponse<InputStream> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
        part.body = response.body();
        if (response.statusCode() != 200) {
          byte[] body;
          try (InputStream in = response.body()) {
            body = in.readNBytes(64 * 1024);
          }
          part.error = new Refusal(response.statusCode(), body);
          return part;
        }
        part.reader = new EventStreamReader(part.body);
        Frame first = part.next();
        if (first == null || !"part".equals(first.event())) {
          part.close();
          throw new LogException(ErrorCode.OVERLOADED, "the instance at " + url + " ended its part of the changes; retry");
        }
        JsonNode announced = Responses.JSON.readTree(first.data());
        if (announced.path("generation").longValue() != generation) {
          part.close();
          throw new LogException(ErrorCode.OVERLOADED, "the division of the work changed; retry");
        }
        List<Integer> partitions = new ArrayList<>();
        announced.path("partitions").forEach(p -> partitions.add(p.asInt()));
        part.partitions = partitions;
        return part;
      } catch (IOException e) {
        part.close();
        throw new LogException(ErrorCode.OVERLOADED, "the instance at " + url + " that serves rows of this view did not answer ("
            + e.getMessage() + "); its partitions move to another instance within the session timeout: retry");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        part.close();
        throw new LogException(ErrorCode.TIMEOUT, "interrupted while asking " + url);
      }
    }

    private static String enc(String text) {
      return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** The next event frame, skipping comments (heartbeats); null at the end of the stream. */
    Frame next() throws IOException {
      EventStreamReader.ServerEvent e = reader.next();
      return e == null ? null : new Frame(this, e.name(), e.id(), e.data());
    }

    void close() {
      try {
        if (body != null) {
          body.close();
        }
      } catch (IOException ignored) {
        // the connection is dropped either way
      }
    }
  }

  /** A part's answer other than 200, relayed to the client as it came. */
  private record Refusal(int statusCode, byte[] body) {}

  /** Merges the parts' frames into the client's stream. */
  private static final class Merge {
    private final List<Part> parts;
    private final long generation;
    private final Owners owners;
    private final BlockingQueue<Frame> frames = new ArrayBlockingQueue<>(FRAMES_MAX);
    private final Map<String, String> positions = new TreeMap<>();
    /** Parts whose snapshot has not ended yet; empty when resuming. */
    private final Set<String> snapshotting = new TreeSet<>();
    private final List<Frame> held = new ArrayList<>();
    private final boolean fresh;
    private boolean begun;
    private volatile boolean closed;

    Merge(List<Part> parts, long generation, Map<String, String> resumed, boolean fresh, Owners owners) {
      this.parts = parts;
      this.generation = generation;
      this.owners = owners;
      this.fresh = fresh;
      positions.putAll(resumed);
      for (Part part : parts) {
        if (fresh) {
          snapshotting.add(part.url);
        }
        Thread.ofVirtual().name("sluice-changes-part").start(() -> read(part));
      }
    }

    private void read(Part part) {
      try {
        for (Frame f = part.next(); f != null && !closed; f = part.next()) {
          put(f);
        }
      } catch (IOException ended) {
        // the part's connection ended: the merged stream ends below
      }
      put(new Frame(part, null, null, null));
    }

    private void put(Frame frame) {
      try {
        while (!closed && !frames.offer(frame, 100, TimeUnit.MILLISECONDS)) {
          // the client reads slowly: the part waits for it
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    boolean pump(EventStreams.Sink sink, long waitMs) throws IOException, InterruptedException {
      if (owners.generation() != generation) {
        return false; // the client resumes with its last id and gets a snapshot of the new division
      }
      Frame f = frames.poll(waitMs, TimeUnit.MILLISECONDS);
      for (int n = 0; f != null && n < FRAMES_MAX; n++, f = frames.poll()) {
        if (!handle(sink, f)) {
          return false;
        }
      }
      return true;
    }

    /** False once the merged stream is over. */
    private boolean handle(EventStreams.Sink sink, Frame f) throws IOException {
      if (f.event() == null) {
        return false; // a part ended (its instance stopped, or the division changed): the client resumes
      }
      switch (f.event()) {
        case "snapshot_begin" -> {
          if (!fresh) {
            // A part could not resume where it was: only a snapshot of every part is whole.
            return end(sink, "overflow", "a part of the view could not resume from this position; resuming starts with a snapshot");
          }
          if (!begun) {
            begun = true;
            sink.event("snapshot_begin", null, f.data().getBytes(StandardCharsets.UTF_8));
          }
        }
        case "snapshot" -> sink.event("snapshot", null, f.data().getBytes(StandardCharsets.UTF_8));
        case "snapshot_end" -> {
          positions.put(f.part().url, f.id());
          snapshotting.remove(f.part().url);
          if (snapshotting.isEmpty()) {
            sink.event("snapshot_end", id(), json(Map.of("snapshot", true, "resume", id())));
            for (Frame change : held) {
              change(sink, change);
            }
            held.clear();
          }
        }
        case "change" -> {
          if (!snapshotting.isEmpty()) {
            held.add(f);
            if (held.size() > HELD_MAX) {
              return end(sink, "overflow", "too many changes came while the snapshot was sent; resuming starts with a snapshot");
            }
          } else {
            change(sink, f);
          }
        }
        case "overflow", "ended" -> {
          return end(sink, f.event(), "a part of the view ended (" + f.event() + "); resuming starts with a snapshot");
        }
        default -> { }
      }
      return true;
    }

    private void change(EventStreams.Sink sink, Frame f) throws IOException {
      positions.put(f.part().url, f.id());
      sink.event("change", id(), f.data().getBytes(StandardCharsets.UTF_8));
    }

    private boolean end(EventStreams.Sink sink, String kind, String reason) throws IOException {
      String resume = ResumeId.FRESH.encode();
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("resume", resume);
      data.put("reason", reason);
      sink.event(kind, resume, json(data));
      return false;
    }

    private String id() {
      return new ResumeId(generation, positions).encode();
    }

    void close() {
      closed = true;
      parts.forEach(Part::close);
    }
  }
}
