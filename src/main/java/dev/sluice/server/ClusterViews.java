package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Owners;
import dev.sluice.log.LogException;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a view's state looks like across a cluster (docs/deploy-kafka.md "Any instance answers"):
 * {@code GET /views}, {@code GET /views/{v}} and a divided view's dead letters, gathered from
 * every instance and combined, so that any instance shows every view whole. Each instance answers
 * a forwarded request with its own figures and the part of each view it runs ({@code "here"}).
 */
final class ClusterViews {
  /** What one instance's part of a gathered answer may take. */
  private static final Duration PART_LIMIT = Duration.ofSeconds(5);
  /** From the least to the most worrying: a combined view is in the most worrying state of its parts. */
  private static final List<String> STATES = List.of("live", "building", "failed");

  private final Engine engine;

  ClusterViews(Engine engine) {
    this.engine = engine;
  }

  /** What this instance runs of {@code view}: its owned partitions of a divided view, {@code [-1]} for a whole view run here. */
  Map<String, Object> here(String view) {
    Owners owners = engine.owners();
    Map<String, Object> here = new LinkedHashMap<>();
    here.put("url", owners.self());
    here.put("placement", owners.divided(view) ? "divided" : "whole");
    here.put("partitions", owners.ownedPartitions(view));
    return here;
  }

  /**
   * Every instance's answer to this request (this instance's is {@code local}), with the
   * instances that did not answer; an instance that has just died is left out, not waited for.
   */
  private List<JsonNode> gather(Context ctx, JsonNode local, List<String> missing) throws IOException {
    List<JsonNode> parts = new ArrayList<>();
    parts.add(local);
    for (String member : engine.owners().members()) {
      if (member.equals(engine.owners().self())) {
        continue;
      }
      try {
        parts.add(Responses.JSON.readTree(Forwarding.fetch(ctx, member, PART_LIMIT)));
      } catch (LogException e) {
        missing.add(member);
      }
    }
    return parts;
  }

  /** {@code GET /views} through any instance: each view combined from the instances that run it. */
  void list(Context ctx, JsonNode local) throws IOException {
    List<String> missing = new ArrayList<>();
    Map<String, List<JsonNode>> byView = new LinkedHashMap<>();
    for (JsonNode part : gather(ctx, local, missing)) {
      for (JsonNode view : part) {
        byView.computeIfAbsent(view.path("name").asText(), v -> new ArrayList<>()).add(view);
      }
    }
    ArrayNode out = Responses.JSON.createArrayNode();
    byView.values().forEach(parts -> out.add(combine(parts, missing)));
    Responses.json(ctx, out);
  }

  /** {@code GET /views/{v}} through any instance. */
  void one(Context ctx, JsonNode local) throws IOException {
    List<String> missing = new ArrayList<>();
    List<JsonNode> parts = new ArrayList<>();
    for (JsonNode part : gather(ctx, local, missing)) {
      if (part.path("name").asText().equals(local.path("name").asText())) {
        parts.add(part);
      }
    }
    Responses.json(ctx, combine(parts, missing));
  }

  /**
   * One view's figures across the instances: a whole view's are its owner's; a divided view's
   * counts are the sums of its owners', its lag the sum over its partitions, its state the most
   * worrying of theirs. {@code served_by} names the instances the figures come from.
   */
  private static ObjectNode combine(List<JsonNode> parts, List<String> missing) {
    List<JsonNode> serving = new ArrayList<>();
    for (JsonNode part : parts) {
      if (!part.path("here").path("partitions").isEmpty()) {
        serving.add(part);
      }
    }
    ObjectNode out = (serving.isEmpty() ? parts.get(0) : serving.get(0)).deepCopy();
    ArrayNode servedBy = out.putArray("served_by");
    serving.forEach(p -> servedBy.add(p.path("here").path("url").asText()));
    boolean divided = "divided".equals(out.path("here").path("placement").asText());
    if (divided && !serving.isEmpty()) {
      long rows = 0;
      long lagEvents = 0;
      long lagMs = 0;
      long eventsPerS = 0;
      long events = 0;
      long deadLetters = 0;
      long late = 0;
      String state = "live";
      for (JsonNode p : serving) {
        rows += p.path("rows").asLong();
        lagEvents += p.path("lag").path("events").asLong();
        lagMs = Math.max(lagMs, p.path("lag").path("ms").asLong());
        eventsPerS += p.path("events_per_s").asLong();
        events += p.path("events").asLong();
        deadLetters += p.path("dead_letters").asLong();
        late += p.path("late_events").asLong();
        String s = p.path("state").asText();
        if (STATES.indexOf(s) > STATES.indexOf(state)) {
          state = s;
          if (p.has("error")) {
            out.set("error", p.path("error"));
          }
        }
        if (p.has("last_dead_letter")) {
          out.set("last_dead_letter", p.path("last_dead_letter"));
        }
      }
      out.put("state", state);
      out.put("rows", rows);
      ObjectNode lag = out.putObject("lag");
      lag.put("events", lagEvents);
      lag.put("ms", lagMs);
      out.put("events_per_s", eventsPerS);
      out.put("events", events);
      out.put("dead_letters", deadLetters);
      out.put("late_events", late);
    }
    out.remove("here");
    out.put("placement", divided ? "divided" : "whole");
    if (!missing.isEmpty()) {
      ArrayNode m = out.putArray("unanswered");
      missing.forEach(m::add);
    }
    return out;
  }

  /**
   * {@code GET /views/{v}/dead_letters} of a divided view through any instance: each owner's dead
   * letters of the partitions it owns (from= and limit= apply to each owner's own sequence),
   * ordered by partition and offset, cut at {@code limit}.
   */
  void deadLetters(Context ctx, String view, List<byte[]> local, int limit) throws IOException {
    List<JsonNode> all = new ArrayList<>();
    for (byte[] letter : local) {
      all.add(Responses.JSON.readTree(letter));
    }
    for (String other : engine.owners().others(view, PART_LIMIT)) {
      Responses.JSON.readTree(Forwarding.fetch(ctx, other, PART_LIMIT)).forEach(all::add);
    }
    all.sort(Comparator.comparing((JsonNode l) -> l.path("partition").asInt()).thenComparing(l -> l.path("offset").asLong()));
    Responses.json(ctx, all.subList(0, Math.min(limit, all.size())));
  }

  /** Keeps the dead letters of the partitions this instance owns, each marked with this instance. */
  List<byte[]> ownedDeadLetters(String view, List<byte[]> letters) throws IOException {
    List<Integer> owned = engine.owners().ownedPartitions(view);
    List<byte[]> out = new ArrayList<>();
    for (byte[] letter : letters) {
      ObjectNode node = (ObjectNode) Responses.JSON.readTree(letter);
      if (owned.contains(node.path("partition").asInt())) {
        node.put("instance", engine.owners().self());
        out.add(Responses.JSON.writeValueAsBytes(node));
      }
    }
    return out;
  }
}
