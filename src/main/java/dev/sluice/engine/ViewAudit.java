package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.log.StreamSpec;
import dev.sluice.operators.BatchEvaluator;
import dev.sluice.operators.Catalog;
import dev.sluice.operators.Dataflow;
import dev.sluice.operators.Input;
import dev.sluice.operators.Planner;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.SourceInfo;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The view half of {@code sluice verify}, on a stopped data folder: each view version's rows are
 * recomputed from the log as a batch ({@link BatchEvaluator}, a code path of its own, not the
 * incremental one that built them) over exactly the input positions its state says it reflects,
 * and compared row by row, and digest to digest, with what its store holds; an index's entries and
 * a search index's documents are compared with the ones those rows make ({@link IndexAudit}).
 * Derived streams are derived again and compared event by event ({@link DerivedStreamAudit}).
 */
public final class ViewAudit {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One disagreement.
   *
   * @param kind what {@code view} is: "view", "index" or "search index"
   * @param at where in it ("key …", "value …, row key …", "document …"); null when not about one item,
   *     and then {@code expected} and {@code actual} are null too
   */
  public record Finding(String kind, String view, String at, String expected, String actual, String problem) {
    public String describe() {
      String name = kind + " '" + view + "'";
      if (at == null) {
        return name + ": " + problem;
      }
      String none = switch (kind) {
        case "index" -> "no entry";
        case "search index" -> "no document";
        case "derived stream" -> "no event";
        default -> "no row";
      };
      return name + " " + at + ": " + problem + "; expected " + (expected == null ? none : expected)
          + ", actual " + (actual == null ? none : actual);
    }
  }

  /**
   * A view version that was checked: its digest as recomputed and as stored (null for a derived
   * stream, whose events are compared instead).
   *
   * @param detail what else was compared (an index's entries, a search index's documents); may be empty
   */
  public record Checked(String kind, String view, long version, long rows, String expectedDigest, String actualDigest,
      String detail) {}

  public record Result(List<Checked> checked, List<String> skipped, List<Finding> findings) {}

  /**
   * On a cluster: who owns a partition, or a whole view, now — said beside what this folder holds
   * no state of (for example "owned by http://… now", "no instance owns it now").
   */
  public interface Holders {
    String ofPartition(String stream, int partition);

    String ofWhole(String view);
  }

  private final EventLog log;
  /** Null on one instance alone; on a cluster, what says who holds what this folder does not. */
  private Holders cluster;
  private final Path viewsDir;
  private final List<Checked> checked = new ArrayList<>();
  private final List<String> skipped = new ArrayList<>();
  private final List<Finding> findings = new ArrayList<>();

  /** Views reading more input events than this are derived again through scratch storage. */
  private final long inMemoryEventsMax;

  private ViewAudit(EventLog log, Path viewsDir, long inMemoryEventsMax) {
    this.log = log;
    this.viewsDir = viewsDir;
    this.inMemoryEventsMax = inMemoryEventsMax;
  }

  /** Audits every view and index in {@code viewsDir} (an engine's folder) against {@code log}. */
  public static Result run(EventLog log, Path viewsDir) throws IOException {
    return run(log, viewsDir, Engine.QUERY_EVENTS_MAX);
  }

  /**
   * As {@link #run(EventLog, Path)}; a view whose inputs hold more than {@code inMemoryEventsMax}
   * events is recomputed by its incremental operators over scratch storage instead of as a batch
   * in memory.
   */
  static Result run(EventLog log, Path viewsDir, long inMemoryEventsMax) throws IOException {
    return run(log, viewsDir, inMemoryEventsMax, null);
  }

  /**
   * As {@link #run(EventLog, Path)} for the folder of one instance of a cluster (docs/kafka.md
   * "Verify"): each view version is recomputed up to the positions its state holds, which on a
   * cluster are those of the partitions this instance processed (a divided view) or of every
   * partition (a whole view it ran); the partitions it holds no state of are named as not
   * recomputed, with who owns them now ({@code holders}).
   */
  public static Result runOnCluster(EventLog log, Path viewsDir, Holders holders) throws IOException {
    return run(log, viewsDir, Engine.QUERY_EVENTS_MAX, holders);
  }

  private static Result run(EventLog log, Path viewsDir, long inMemoryEventsMax, Holders holders) throws IOException {
    ViewAudit audit = new ViewAudit(log, viewsDir, inMemoryEventsMax);
    audit.cluster = holders;
    Path catalogFile = viewsDir.resolve("views.json");
    if (!Files.exists(catalogFile)) {
      return new Result(List.of(), List.of(), List.of());
    }
    JsonNode saved = JSON.readTree(catalogFile.toFile());
    List<ViewDefinition> definitions = new ArrayList<>();
    for (String list : List.of("serving", "replacing")) {
      for (JsonNode node : saved.path(list)) {
        definitions.add(JSON.treeToValue(node, ViewDefinition.class));
      }
    }
    try (KeyValueStore store = KeyValueStore.open(viewsDir.resolve("state"))) {
      List<String> spaces = store.spaceNames();
      for (ViewDefinition d : definitions) {
        if (!spaces.contains(d.spaceName())) {
          audit.findings.add(new Finding(d.kind(), d.name(), null, null, null, "version " + d.version() + " has no state in the store"));
        } else if (d.derivedStream()) {
          audit.derivedStream(d, store.space(d.spaceName()));
        } else {
          audit.view(d, store.space(d.spaceName()));
        }
      }
    }
    return new Result(List.copyOf(audit.checked), List.copyOf(audit.skipped), List.copyOf(audit.findings));
  }

  private void derivedStream(ViewDefinition d, Space space) {
    try {
      DerivedStreamAudit.Result result = DerivedStreamAudit.check(log, d, space, catalog(log), findings);
      if (result.rederived()) {
        checked.add(new Checked(d.kind(), d.name(), d.version(), result.events(), null, null, result.detail()));
      } else {
        skipped.add(d.name() + " (" + result.detail() + ")");
      }
    } catch (LogException e) {
      findings.add(new Finding(d.kind(), d.name(), null, null, null, "cannot be derived again: " + e.getMessage()));
    }
  }

  /** The rows a version's pipeline derives from the log, up to the input positions its state reflects. */
  private record Recomputed(List<BatchEvaluator.KeyedRow> rows, Map<String, long[]> positions) {}

  private void view(ViewDefinition d, Space space) {
    String held = cluster == null ? "" : held(d, space);
    if (held == null) {
      return;
    }
    Recomputed recomputed = recompute(d, space);
    if (recomputed == null) {
      return;
    }
    String name = d.name();
    long expectedDigest = 0;
    for (BatchEvaluator.KeyedRow row : recomputed.rows()) {
      expectedDigest += ViewDigest.rowHash(row.key().bytes(), row.row().toJson());
    }
    long actualDigest;
    long stored;
    Map<RowKey, String> actual = null;
    String detail = "";
    if (d.index() != null && d.index().kind() == IndexSpec.Kind.INDEX) {
      IndexAudit.Entries entries = IndexAudit.entries(d, space, recomputed.rows(), findings);
      actualDigest = entries.digest();
      stored = entries.count();
      detail = stored + " entries (indexed value, row key, row) compared";
    } else {
      Map<RowKey, String> expected = new TreeMap<>();
      for (BatchEvaluator.KeyedRow row : recomputed.rows()) {
        expected.put(row.key(), new String(row.row().toJson(), StandardCharsets.UTF_8));
      }
      actual = new TreeMap<>();
      Map<RowKey, String> rows = actual;
      space.scan(new byte[] {Keys.ROW}, new byte[] {Keys.ROW + 1}, (key, value) -> {
        rows.put(RowKey.fromBytes(Arrays.copyOfRange(key, 1, key.length)), new String(value, StandardCharsets.UTF_8));
        return true;
      });
      actualDigest = ViewDigest.of(space);
      stored = actual.size();
      compare(d, expected, actual);
      if (d.index() != null) {
        detail = IndexAudit.documents(d, Indexes.searchDir(viewsDir, d.spaceName()), space, recomputed.positions(),
            recomputed.rows(), findings);
      }
    }
    if (expectedDigest != actualDigest && findings.stream().noneMatch(f -> f.view().equals(name))) {
      findings.add(new Finding(d.kind(), name, null, null, null, "digest " + ViewDigest.hex(actualDigest)
          + " of the stored rows differs from the recomputed " + ViewDigest.hex(expectedDigest)));
    }
    checkMeta(d, space, actualDigest, stored, actual);
    if (!held.isEmpty()) {
      detail = detail.isEmpty() ? held : detail + "; " + held;
    }
    checked.add(new Checked(d.kind(), name, d.version(), recomputed.rows().size(), ViewDigest.hex(expectedDigest),
        ViewDigest.hex(actualDigest), detail));
  }

  /**
   * On a cluster, what of the view this folder's state holds: the partitions of a divided view's
   * source it has processed (the others are listed as not recomputed), or "" for a whole view it
   * ran; null, with a not-recomputed line, when it holds nothing of it (no position and no row).
   */
  private String held(ViewDefinition d, Space space) {
    String version = d.kind() + " '" + d.name() + "' v" + d.version();
    Placement placement = Placement.of(d, log);
    Map<String, List<Integer>> processed = new TreeMap<>();
    Map<String, List<Integer>> notHeld = new TreeMap<>();
    for (StreamSpec spec : sources(d)) {
      for (int p = 0; p < spec.partitions(); p++) {
        byte[] stored = space.get(Keys.position(spec.name(), p));
        boolean has = stored != null && Keys.longOf(stored) > 0;
        (has ? processed : notHeld).computeIfAbsent(spec.name(), s -> new ArrayList<>()).add(p);
      }
    }
    boolean[] rows = {false};
    space.scan(new byte[] {Keys.ROW}, new byte[] {Keys.ROW + 1}, (key, value) -> {
      rows[0] = true;
      return false;
    });
    if (placement instanceof Placement.Divided divided) {
      List<Integer> mine = processed.getOrDefault(divided.source(), List.of());
      List<Integer> others = notHeld.getOrDefault(divided.source(), List.of());
      if (!others.isEmpty()) {
        StringBuilder why = new StringBuilder();
        for (int p : others) {
          why.append(why.isEmpty() ? "" : "; ").append(p).append(": ").append(cluster.ofPartition(divided.source(), p));
        }
        skipped.add(version + " partitions " + others + " of '" + divided.source() + "' (no local state: " + why + ")");
      }
      if (mine.isEmpty() && !rows[0]) {
        return null;
      }
      return "recomputed partitions " + mine + " of '" + divided.source() + "', the ones whose state this folder holds";
    }
    if (processed.isEmpty() && !rows[0]) {
      skipped.add(version + " (no local state: a whole view, " + cluster.ofWhole(d.name()) + ")");
      return null;
    }
    return "";
  }

  private List<StreamSpec> sources(ViewDefinition d) {
    try {
      if (!(Parser.parseStatement(d.pipelineText()) instanceof Statement.Query query)) {
        return List.of();
      }
      List<StreamSpec> out = new ArrayList<>();
      for (String source : Planner.plan(query.pipeline(), catalog(log), d.pipelineText()).sources()) {
        log.stream(source).ifPresent(out::add);
      }
      return out;
    } catch (RuntimeException e) {
      return List.of(); // recompute() says why it cannot be planned
    }
  }

  /** Recomputes as a batch; null, with a finding, when it cannot be. */
  private Recomputed recompute(ViewDefinition d, Space space) {
    String name = d.name();
    Statement statement = Parser.parseStatement(d.pipelineText());
    if (!(statement instanceof Statement.Query query)) {
      findings.add(new Finding(d.kind(), name, null, null, null, "its definition is not a pipeline: " + d.pipelineText()));
      return null;
    }
    Pipeline pipeline = query.pipeline();
    Catalog catalog = catalog(log);
    Map<String, long[]> positions = new TreeMap<>();
    long events = 0;
    Dataflow dataflow;
    try {
      dataflow = Planner.plan(pipeline, catalog, d.pipelineText());
      for (String source : dataflow.sources()) {
        StreamSpec spec = log.stream(source).orElseThrow();
        long[] upTos = new long[spec.partitions()];
        for (int p = 0; p < spec.partitions(); p++) {
          byte[] stored = space.get(Keys.position(source, p));
          long upTo = stored == null ? 0 : Keys.longOf(stored);
          long end = log.endOffset(source, p);
          if (upTo > end) {
            findings.add(new Finding(d.kind(), name, null, null, null, "its state reflects " + source + " partition " + p
                + " up to offset " + upTo + ", but the log holds readable events only up to " + end));
            return null;
          }
          upTos[p] = upTo;
          events += upTo;
        }
        positions.put(source, upTos);
      }
      if (events > inMemoryEventsMax) {
        // Too many to hold in memory: the incremental operators derive the rows again from
        // scratch, their state in a store of their own, and the rows they end with are compared.
        return new Recomputed(ScratchRebuild.rows(dataflow, log, positions, viewsDir), positions);
      }
      List<Input> inputs = new ArrayList<>();
      for (Map.Entry<String, long[]> e : positions.entrySet()) {
        for (int p = 0; p < e.getValue().length; p++) {
          read(e.getKey(), p, e.getValue()[p], inputs);
        }
      }
      return new Recomputed(BatchEvaluator.view(pipeline, catalog, d.pipelineText(), inputs).rows(), positions);
    } catch (LogException e) {
      findings.add(new Finding(d.kind(), name, null, null, null, "cannot be recomputed: " + e.getMessage()));
      return null;
    }
  }

  private void read(String source, int partition, long upTo, List<Input> inputs) {
    for (long from = 0; from < upTo; ) {
      int limit = (int) Math.min(10_000, upTo - from);
      List<Record> page = log.read(source, partition, from, limit);
      if (page.isEmpty()) {
        throw new LogException(dev.sluice.log.ErrorCode.CORRUPT_PARTITION,
            source + " partition " + partition + " offset " + from + " cannot be read");
      }
      page.forEach(r -> inputs.add(Input.of(source, r)));
      from = page.get(page.size() - 1).offset() + 1;
    }
  }

  private void compare(ViewDefinition d, Map<RowKey, String> expected, Map<RowKey, String> actual) {
    for (Map.Entry<RowKey, String> e : expected.entrySet()) {
      String stored = actual.get(e.getKey());
      if (stored == null) {
        findings.add(new Finding(d.kind(), d.name(), "key " + e.getKey(), e.getValue(), null, "row missing"));
      } else if (!stored.equals(e.getValue())) {
        findings.add(new Finding(d.kind(), d.name(), "key " + e.getKey(), e.getValue(), stored, "row differs"));
      }
    }
    for (Map.Entry<RowKey, String> e : actual.entrySet()) {
      if (!expected.containsKey(e.getKey())) {
        findings.add(new Finding(d.kind(), d.name(), "key " + e.getKey(), null, e.getValue(), "row that the log does not derive"));
      }
    }
  }

  /** The counters the view keeps beside its rows must describe them. */
  private void checkMeta(ViewDefinition d, Space space, long digest, long rows, Map<RowKey, String> stored) {
    String name = d.name();
    byte[] meta = space.get(Keys.META);
    if (meta == null) {
      findings.add(new Finding(d.kind(), name, null, null, null, "its counters (meta) are missing"));
      return;
    }
    try {
      JsonNode node = JSON.readTree(meta);
      if (node.hasNonNull("digest") && ViewDigest.parse(node.get("digest").asText()) != digest) {
        findings.add(new Finding(d.kind(), name, null, null, null, "its checkpointed digest " + node.get("digest").asText()
            + " differs from the digest of its stored rows " + ViewDigest.hex(digest)));
      }
      if (node.path("rows").asLong() != rows) {
        findings.add(new Finding(d.kind(), name, null, null, null, "its row count says " + node.path("rows").asLong()
            + " but it holds " + rows + " rows"));
      }
      JsonNode counts = node.path(ViewTask.PARTITION_ROWS);
      if (counts.isArray() && stored != null && Placement.of(d, log) instanceof Placement.Divided divided) {
        // A divided view on a cluster counts its rows per partition too, for GET /views.
        long[] held = new long[divided.partitions()];
        stored.keySet().forEach(key -> {
          int p = divided.partitionOf(key);
          if (p >= 0) {
            held[p]++;
          }
        });
        for (int p = 0; p < held.length; p++) {
          long said = p < counts.size() ? counts.get(p).asLong() : -1;
          if (said != held[p]) {
            findings.add(new Finding(d.kind(), name, null, null, null, "its row count of partition " + p + " of '" + divided.source()
                + "' says " + said + " but it holds " + held[p] + " rows of that partition"));
          }
        }
      }
    } catch (IOException e) {
      findings.add(new Finding(d.kind(), name, null, null, null, "its counters (meta) are unreadable: " + e.getMessage()));
    }
  }

  private static Catalog catalog(EventLog log) {
    List<SourceInfo> sources = new ArrayList<>();
    for (StreamSpec spec : log.streams()) {
      sources.add(new SourceInfo(spec.name(), spec.kind(), Optional.ofNullable(spec.keyField()), Optional.empty()));
    }
    return Catalog.of(sources);
  }
}
