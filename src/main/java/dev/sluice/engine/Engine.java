package dev.sluice.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.constraints.Constraints;
import dev.sluice.language.LanguageException;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.operators.BatchEvaluator;
import dev.sluice.operators.Catalog;
import dev.sluice.operators.Dataflow;
import dev.sluice.operators.Input;
import dev.sluice.operators.Planner;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.SourceInfo;
import dev.sluice.operators.Timestamp;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The views of one Sluice: their definitions (kept in {@code views.json}), a running
 * {@link ViewTask} per version, and reads of their rows. {@code CREATE OR REPLACE} builds the new
 * version beside the serving one and swaps when it has caught up; reads never see a half-built view.
 */
public final class Engine implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Ad-hoc queries read history into memory; past this many events they are refused. */
  public static final int QUERY_EVENTS_MAX = 2_000_000;

  private final EventLog log;
  private final Path dir;
  private final KeyValueStore store;
  private final SharedReads reads;
  private final ChangelogRetention retention;
  private final Declarations declarations;
  private final Ownership ownership;
  private final Owners owners;
  /** Name → the sequence of the latest shared declaration applied or made here: older ones are stale. */
  private final Map<String, Long> declaredAt = new java.util.HashMap<>();
  private Constraints constraints;
  private boolean closed;
  /** Name → the version serving reads. */
  private final Map<String, ViewTask> serving = new TreeMap<>();
  /** Name → a version building to replace it. */
  private final Map<String, ViewTask> replacing = new TreeMap<>();

  private Engine(EventLog log, Path dir, KeyValueStore store, ChangelogRetention retention, Declarations declarations,
      Ownership ownership) {
    this.declarations = declarations;
    this.ownership = ownership;
    this.owners = new Owners(this, log, ownership);
    this.log = log;
    this.dir = dir;
    this.store = store;
    this.reads = new SharedReads(log);
    this.retention = retention;
  }

  /** Opens the engine on {@code dir} and starts every declared view where its state left off. */
  public static Engine open(EventLog log, Path dir) {
    return open(log, dir, ChangelogRetention.DEFAULT);
  }

  /** {@link #open(EventLog, Path)}, keeping each view's changelog for {@code retention}. */
  public static Engine open(EventLog log, Path dir, ChangelogRetention retention) {
    return open(log, dir, retention, Declarations.LOCAL, Ownership.ALL);
  }

  /**
   * {@link #open(EventLog, Path, ChangelogRetention)} as one of several instances on one log,
   * which share their views' declarations through {@code declarations} and divide the work as
   * {@code ownership} says (docs/deploy-kafka.md).
   */
  public static Engine open(EventLog log, Path dir, ChangelogRetention retention, Declarations declarations, Ownership ownership) {
    KeyValueStore store = KeyValueStore.open(dir.resolve("state"));
    Engine engine = new Engine(log, dir, store, retention, declarations, ownership);
    engine.restore();
    engine.constraints = Constraints.open(log, dir.resolve("constraints"),
        ownership instanceof dev.sluice.constraints.SharedConstraints.Source shared ? shared.sharedConstraints() : null);
    return engine;
  }

  private record Saved(List<ViewDefinition> serving, List<ViewDefinition> replacing) {}

  private synchronized void restore() {
    Path file = dir.resolve("views.json");
    Saved saved = new Saved(List.of(), List.of());
    if (Files.exists(file)) {
      try {
        saved = JSON.readValue(file.toFile(), new TypeReference<Saved>() {});
      } catch (IOException e) {
        throw new LogException(ErrorCode.LOG_FAILED, "cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    if (declarations.shared()) {
      saved = SharedViews.reconcile(saved.serving(), saved.replacing(), declarations.follow(this::declared), declaredAt, Saved::new);
      save(saved);
    }
    for (ViewDefinition d : saved.serving()) {
      if (d.stream() != null) {
        log.create(d.stream(), true); // before compiling: other pipelines may read it
      }
    }
    for (ViewDefinition d : saved.serving()) {
      serving.put(d.name(), task(d));
    }
    for (ViewDefinition d : saved.replacing()) {
      replacing.put(d.name(), task(d));
    }
    Set<String> live = new java.util.HashSet<>();
    serving.values().forEach(t -> live.add(t.definition.spaceName()));
    replacing.values().forEach(t -> live.add(t.definition.spaceName()));
    for (String space : store.spaceNames()) {
      if (!live.contains(space)) {
        store.drop(space); // a version dropped or replaced just before a crash
      }
    }
    Indexes.dropOrphans(dir, live);
    serving.values().forEach(ViewTask::start);
    replacing.values().forEach(ViewTask::start);
  }

  private void save() {
    save(new Saved(
        serving.values().stream().map(t -> t.definition).toList(),
        replacing.values().stream().map(t -> t.definition).toList()));
  }

  private void save(Saved saved) {
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve("views.json.tmp");
      try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
        channel.write(java.nio.ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(saved)));
        channel.force(true);
      }
      Files.move(tmp, dir.resolve("views.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot save the view catalog: " + e.getMessage(), e);
    }
  }

  /** Compiles a pipeline against the streams that exist now (throws {@link LanguageException}). */
  private Dataflow compile(String pipelineText) {
    Statement statement = Parser.parseStatement(pipelineText);
    if (!(statement instanceof Statement.Query query)) {
      throw new IllegalStateException("a view's text is a pipeline, not " + statement);
    }
    return Planner.plan(query.pipeline(), catalog(), pipelineText);
  }

  private ViewTask task(ViewDefinition d) {
    Dataflow dataflow = compile(d.pipelineText());
    Space space = store.space(d.spaceName());
    ViewTask.Assignment assignment = ownership == Ownership.ALL ? ViewTask.Assignment.ALL
        : new Handover(ownership, log, d.name(), owners.placement(d));
    return new ViewTask(d, space, log, reads, dataflow, retention, () -> caughtUp(d), Indexes.sink(d, dir), assignment);
  }

  /** Who serves which rows when several instances share the log: forwarding, scans, handover, status. */
  public Owners owners() {
    return owners;
  }

  /** The versions serving reads now. */
  synchronized List<ViewTask> servingTasks() {
    return List.copyOf(serving.values());
  }

  /** Stops a version and deletes its state: its space and whatever its sink keeps elsewhere. */
  private void discard(ViewTask task) {
    task.stop();
    store.drop(task.definition.spaceName());
    task.sink.destroy();
  }

  /** The planner's view of the log: streams and tables with their keys. */
  public Catalog catalog() {
    return catalog(List.of());
  }

  /** The catalog with {@code pending} streams (declared earlier in the same script) added. */
  public Catalog catalog(List<StreamSpec> pending) {
    List<SourceInfo> sources = new ArrayList<>();
    List<StreamSpec> all = new ArrayList<>(log.streams());
    all.addAll(pending);
    for (StreamSpec spec : all) {
      sources.add(new SourceInfo(spec.name(), spec.kind(), Optional.ofNullable(spec.keyField()), Optional.empty()));
    }
    return Catalog.of(sources);
  }

  /**
   * Declares a view. The pipeline is checked against {@code sourceText} (the statement it came from),
   * so errors name line and column there; its canonical text is what is kept.
   */
  public synchronized ViewStatus create(String name, Pipeline pipeline, String sourceText, boolean orReplace, boolean ifNotExists) {
    Planner.plan(pipeline, catalog(), sourceText);
    return create(name, pipeline.toSql(), orReplace, ifNotExists);
  }

  /** Checks a view's pipeline as {@link #create} would, without creating anything. */
  public void check(Pipeline pipeline, String sourceText, List<StreamSpec> pending) {
    Planner.plan(pipeline, catalog(pending), sourceText);
  }

  /** Declares a view from the text of its pipeline ({@code FROM …}). */
  public synchronized ViewStatus create(String name, String pipelineText, boolean orReplace, boolean ifNotExists) {
    return create(name, pipelineText, null, orReplace, ifNotExists);
  }

  /** Declares a view, or with {@code index} an index over the pipeline's rows. */
  synchronized ViewStatus create(String name, String pipelineText, IndexSpec index, boolean orReplace, boolean ifNotExists) {
    ViewTask existing = serving.get(name);
    Indexes.checkSameKind(name, existing == null ? null : existing.definition, index);
    if (existing != null && existing.definition.derivedStream()) {
      throw new LogException(ErrorCode.STREAM_EXISTS, "'" + name + "' is a derived stream; a view needs a name of its own");
    }
    if (existing != null && !orReplace) {
      if (ifNotExists) {
        return existing.status(null);
      }
      throw new LogException(ErrorCode.STREAM_EXISTS, "view '" + name + "' already exists; use CREATE OR REPLACE VIEW to change it");
    }
    if (log.stream(name).isPresent()) {
      throw new LogException(ErrorCode.STREAM_EXISTS, "'" + name + "' is a stream; a view needs a name of its own");
    }
    compile(pipelineText);
    long version = 1;
    if (existing != null) {
      version = existing.definition.version() + 1;
    }
    ViewTask building = replacing.remove(name);
    if (building != null) {
      version = Math.max(version, building.definition.version() + 1);
      discard(building);
    }
    String text = pipelineText;
    Optional<Repartition> repartition = ownership == Ownership.ALL || index != null
        ? Optional.empty() : Repartition.of(name, version, pipelineText, log::stream);
    if (repartition.isPresent()) {
      // Declared first: the view's pipeline reads the internal stream, which must exist everywhere.
      Repartition r = repartition.get();
      createDerivedStream(r.stream(), r.derivedPipeline(), r.derivedPipeline().toSql(), true);
      text = r.viewPipeline();
    }
    ViewDefinition d = new ViewDefinition(name, version, text, System.currentTimeMillis(), false, null, index);
    declaredAt.put(name, declarations.declare(d));
    ViewTask task = task(d);
    if (existing == null) {
      serving.put(name, task);
    } else {
      replacing.put(name, task);
    }
    save();
    task.start();
    return task.status(null);
  }

  /**
   * {@code CREATE STREAM name [KEY f] [PARTITIONS n] AS pipeline}: declares the stream in the log and
   * starts deriving its events from the pipeline, from the beginning of its inputs' history.
   */
  public synchronized ViewStatus createDerivedStream(StreamSpec spec, Pipeline pipeline, String sourceText, boolean ifNotExists) {
    ViewTask existing = serving.get(spec.name());
    if (existing != null && ifNotExists && existing.definition.derivedStream()) {
      return existing.status(null);
    }
    if (existing != null || log.stream(spec.name()).isPresent()) {
      throw new LogException(ErrorCode.STREAM_EXISTS, "'" + spec.name() + "' already exists");
    }
    Planner.plan(pipeline, catalog(), sourceText);
    ViewDefinition d = new ViewDefinition(spec.name(), 1, pipeline.toSql(), System.currentTimeMillis(), true, spec, null);
    declaredAt.put(spec.name(), declarations.declare(d));
    // The definition is saved first: a crash before the stream is declared leaves a definition that
    // restore() completes, never a stream that nothing derives and whose name is taken.
    Saved before = new Saved(serving.values().stream().map(t -> t.definition).toList(),
        replacing.values().stream().map(t -> t.definition).toList());
    List<ViewDefinition> withNew = new ArrayList<>(before.serving());
    withNew.add(d);
    save(new Saved(withNew, before.replacing()));
    log.create(spec, true);
    ViewTask task = task(d);
    serving.put(spec.name(), task);
    task.start();
    return task.status(null);
  }

  /** Called by a version's task when it first catches up: a replacement takes over reads. */
  private void caughtUp(ViewDefinition d) {
    ViewTask old;
    synchronized (this) {
      ViewTask task = replacing.get(d.name());
      if (task == null || task.definition.version() != d.version()) {
        return;
      }
      replacing.remove(d.name());
      old = serving.put(d.name(), task);
      save();
      dropRepartitionsBefore(d);
    }
    if (old != null) {
      discard(old);
    }
  }

  public synchronized boolean drop(String name, boolean ifExists) {
    if (!serving.containsKey(name)) {
      if (ifExists) {
        return false;
      }
      throw unknown(name);
    }
    declaredAt.put(name, declarations.retract(name));
    dropHere(name);
    dropRepartitionsBefore(new ViewDefinition(name, Long.MAX_VALUE, "", 0, false));
    return true;
  }

  /**
   * Stops deriving the repartition streams of {@code d}'s view older than {@code d} (all of them
   * when the view is dropped): no version that reads them is left. Their events stay in the log.
   */
  private void dropRepartitionsBefore(ViewDefinition d) {
    for (String internal : List.copyOf(serving.keySet())) {
      long version = Repartition.versionOf(internal, d.name());
      if (version >= 0 && version < d.version() && serving.get(internal).definition.derivedStream()) {
        declaredAt.put(internal, declarations.retract(internal));
        dropHere(internal);
      }
    }
  }

  /** Stops and deletes the view {@code name} on this instance. */
  private void dropHere(String name) {
    ViewTask task = serving.remove(name);
    ViewTask building = replacing.remove(name);
    save();
    for (ViewTask t : building == null ? List.of(task) : List.of(task, building)) {
      discard(t);
    }
  }

  /**
   * A declaration shared by another instance (or this one's, coming back): builds the version this
   * instance does not have yet beside the one it serves, or drops the view.
   */
  private synchronized void declared(String name, ViewDefinition d, long sequence) {
    if (closed || declaredAt.getOrDefault(name, -1L) >= sequence) {
      return; // this instance already made or applied a later declaration of the name
    }
    declaredAt.put(name, sequence);
    ViewTask existing = serving.get(name);
    ViewTask building = replacing.get(name);
    try {
      if (d == null) {
        if (existing != null) {
          dropHere(name);
        }
        return;
      }
      if (existing != null && existing.definition.version() == d.version()
          || building != null && building.definition.version() == d.version()) {
        return;
      }
      if (d.stream() != null) {
        log.create(d.stream(), true);
      }
      ViewTask task = task(d);
      if (existing == null) {
        serving.put(name, task);
      } else {
        if (building != null) {
          replacing.remove(name);
          discard(building);
        }
        replacing.put(name, task);
      }
      save();
      task.start();
    } catch (RuntimeException e) {
      System.err.println("sluice: cannot apply the shared declaration of view '" + name + "': " + e.getMessage());
    }
  }

  public synchronized List<ViewStatus> views() {
    List<ViewStatus> all = new ArrayList<>();
    serving.forEach((name, task) -> {
      ViewTask building = replacing.get(name);
      all.add(task.status(building == null ? null : building.status(null)));
    });
    return all;
  }

  public synchronized Optional<ViewStatus> view(String name) {
    ViewTask task = serving.get(name);
    if (task == null) {
      return Optional.empty();
    }
    ViewTask building = replacing.get(name);
    return Optional.of(task.status(building == null ? null : building.status(null)));
  }

  synchronized ViewTask serving(String name) {
    ViewTask task = serving.get(name);
    if (task == null) {
      throw unknown(name);
    }
    return task;
  }

  private LogException unknown(String name) {
    List<String> names = new ArrayList<>(serving.keySet());
    String hint = dev.sluice.language.Hints.didYouMean(name, names).map(h -> " — did you mean " + h + "?").orElse("");
    return new LogException(ErrorCode.NOT_FOUND, "unknown view '" + name + "'" + hint);
  }

  /**
   * Waits until the view's state includes {@code after} (null: no wait); throws
   * {@link ErrorCode#TIMEOUT} with the view's lag when it does not within {@code timeout}.
   */
  ViewTask ready(String name, Token after, Duration timeout) {
    ViewTask task = serving(name);
    if (after == null) {
      return task;
    }
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      if (!task.awaitIncludes(throughRepartition(task, after.ends(), deadline), deadline)) {
        throw new LogException(ErrorCode.TIMEOUT, "view '" + name + "' did not reach the token within "
            + timeout.toMillis() + " ms; it is " + task.lagEvents() + " events behind the log"
            + (task.phase == ViewState.FAILED ? " and failed: " + task.error : ""));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.TIMEOUT, "interrupted while waiting for view '" + name + "'");
    }
    return serving(name);
  }

  /**
   * The positions a view must reach to include {@code ends}. A token names positions in the streams
   * appended to; a repartitioned view reads its internal stream instead, so the token is first
   * carried through the repartition step: once the step's derivation here includes {@code ends},
   * everything it derived from them is in the internal stream, below its ends now. The step's
   * partitions other instances own are not waited for (docs/deploy-kafka.md "Limits").
   */
  private Map<String, Map<Integer, Long>> throughRepartition(ViewTask view, Map<String, Map<Integer, Long>> ends, long deadline)
      throws InterruptedException {
    Map<String, Map<Integer, Long>> out = new java.util.HashMap<>(ends);
    for (String source : view.positionsSnapshot().keySet()) {
      if (Repartition.versionOf(source, view.definition.name()) < 0) {
        continue;
      }
      ViewTask step;
      synchronized (this) {
        step = serving.get(source);
      }
      if (step == null || !step.definition.derivedStream()) {
        continue;
      }
      if (!step.awaitIncludes(ends, deadline)) {
        return ends; // the view's own wait then times out with its lag
      }
      Map<Integer, Long> internal = new java.util.HashMap<>();
      int partitions = log.stream(source).map(StreamSpec::partitions).orElse(0);
      for (int p = 0; p < partitions; p++) {
        internal.put(p, log.endOffset(source, p));
      }
      out.put(source, internal);
    }
    return out;
  }

  /** The reads and declarations of indexes and search indexes. */
  public Indexes indexes() {
    return new Indexes(this);
  }

  /** One row as JSON, if present. */
  public Optional<byte[]> row(String view, RowKey key, Token after, Duration timeout) {
    ViewTask task = ready(view, after, timeout);
    owners.awaitRestored(task, key, System.nanoTime() + (timeout == null ? 0 : timeout.toNanos()));
    return Optional.ofNullable(task.space.get(Keys.row(key.bytes())));
  }

  /** A row of a scan: its key and its JSON. */
  public record KeyedJson(RowKey key, byte[] json) {}

  /** Rows in key order with keys in [from, to) (either may be null), starting with {@code prefix}. */
  public List<KeyedJson> scan(String view, RowKey from, RowKey to, String prefix, int limit, Token after, Duration timeout) {
    ViewTask task = ready(view, after, timeout);
    owners.awaitRestored(task, null, System.nanoTime() + (timeout == null ? 0 : timeout.toNanos()));
    return scan(task, from, to, prefix, limit, key -> true);
  }

  static List<KeyedJson> scan(ViewTask task, RowKey from, RowKey to, String prefix, int limit,
      java.util.function.Predicate<RowKey> wanted) {
    byte[] start = Keys.row(from == null ? new byte[0] : from.bytes());
    byte[] end = to == null ? new byte[] {Keys.ROW + 1} : Keys.row(to.bytes());
    List<KeyedJson> out = new ArrayList<>();
    task.space.scan(start, end, (key, value) -> {
      RowKey rowKey = RowKey.fromBytes(Arrays.copyOfRange(key, 1, key.length));
      if (prefix != null && !(rowKey.value() instanceof String s && s.startsWith(prefix))
          && !(rowKey.value() instanceof List<?> l && !l.isEmpty() && String.valueOf(l.get(0)).startsWith(prefix))) {
        return true;
      }
      if (!wanted.test(rowKey)) {
        return true;
      }
      out.add(new KeyedJson(rowKey, value));
      return out.size() < limit;
    });
    return out;
  }

  /**
   * The view's dead letters kept (the newest {@link ViewTask#DEAD_LETTERS_KEPT}) with sequence ≥
   * {@code from}, oldest first, as JSON objects.
   */
  public List<byte[]> deadLetters(String view, long from, int limit) {
    ViewTask task = serving(view);
    List<byte[]> out = new ArrayList<>();
    task.space.scan(Keys.deadLetter(Math.max(0, from)), new byte[] {Keys.DEAD_LETTER + 1}, (key, value) -> {
      out.add(value);
      return out.size() < limit;
    });
    return out;
  }

  /**
   * Subscribes to a view's changes from {@code from} (an event id; null: a snapshot of the rows
   * first), once the view includes {@code after} (see {@link Subscriptions}).
   */
  public Subscription subscribe(String view, Subscription.Filter filter, String from, Token after, Duration timeout) {
    return Subscriptions.open(ready(view, after, timeout), filter, from);
  }

  /** An ad-hoc pipeline of WHERE, SELECT and EXTEND followed from the log's end (see {@link LiveQuery}). */
  public LiveQuery follow(Pipeline pipeline, String text) {
    return LiveQuery.open(log, pipeline, p -> Planner.plan(p, catalog(), text));
  }

  /** An ad-hoc pipeline run as a batch over the log's history as it is now. */
  public BatchEvaluator.Result query(Pipeline pipeline, String text) {
    Catalog catalog = catalog();
    List<Input> inputs = new ArrayList<>();
    for (String source : sourcesOf(pipeline, text, catalog)) {
      StreamSpec spec = log.stream(source).orElseThrow();
      for (int p = 0; p < spec.partitions(); p++) {
        long end = log.endOffset(source, p);
        for (long from = 0; from < end; ) {
          List<Record> records = log.read(source, p, from, 1000);
          if (records.isEmpty()) {
            break;
          }
          if (inputs.size() + records.size() > QUERY_EVENTS_MAX) {
            throw new LogException(ErrorCode.INVALID_ARGUMENT, "the query would read more than " + QUERY_EVENTS_MAX
                + " events; create a view instead, which is maintained incrementally");
          }
          records.forEach(r -> inputs.add(Input.of(source, r)));
          from = records.get(records.size() - 1).offset() + 1;
        }
      }
    }
    return BatchEvaluator.query(pipeline, catalog, text, inputs, new Timestamp(System.currentTimeMillis()));
  }

  private static Set<String> sourcesOf(Pipeline pipeline, String text, Catalog catalog) {
    return Planner.plan(pipelineWithoutOrdering(pipeline), catalog, text).sources();
  }

  /** ORDER BY and LIMIT are for queries only; the source set does not depend on them. */
  private static Pipeline pipelineWithoutOrdering(Pipeline pipeline) {
    List<dev.sluice.language.ast.PipeOp> ops = pipeline.ops().stream()
        .filter(op -> !(op instanceof dev.sluice.language.ast.PipeOp.OrderBy) && !(op instanceof dev.sluice.language.ast.PipeOp.Limit))
        .toList();
    return new Pipeline(pipeline.source(), ops, pipeline.pos());
  }

  /** The uniqueness constraints, whose claims processors run beside the views. */
  public Constraints constraints() {
    return constraints;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (constraints != null) {
      constraints.close();
    }
    serving.values().forEach(ViewTask::stop);
    replacing.values().forEach(ViewTask::stop);
    store.close();
  }

  /** The digest each serving view last checkpointed, for {@code /status}; derived streams have none. */
  public synchronized List<DigestCheckpoint> digests() {
    return serving.values().stream().map(ViewTask::checkpoint).filter(java.util.Objects::nonNull).toList();
  }

  /**
   * Where the operation {@code id} of {@code stream} landed and what the views and derived streams
   * made of it; empty when the log does not know the id (never appended, or past the dedup window).
   */
  public Optional<LineageReport> lineage(String stream, String id) {
    List<ViewTask> tasks;
    synchronized (this) {
      tasks = List.copyOf(serving.values());
    }
    return LineageQuery.run(log, tasks, stream, id);
  }

  /** For tests and status: the view names in order. */
  public synchronized List<String> names() {
    return serving.keySet().stream().sorted(Comparator.naturalOrder()).toList();
  }
}
