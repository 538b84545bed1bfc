package dev.sluice.operators.internal.plan;

import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.Name;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.log.StreamKind;
import dev.sluice.operators.Catalog;
import dev.sluice.operators.SourceInfo;
import dev.sluice.operators.Timestamp;
import dev.sluice.operators.internal.expr.ExprCompiler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a pipeline against the catalog and compiles it into a {@link Node} tree: every name
 * resolved, every expression compiled, every refusal raised here with its place in the text.
 */
public final class PlanBuilder {
  /** Why a limit: a hopping window copies each row into size/advance windows. */
  /** How long after a window ends it still takes late rows, unless the window says LATENESS. */
  public static final long WINDOW_LATENESS_DEFAULT_MS = 3_600_000;

  static final long WINDOWS_PER_ROW_MAX = 1000;

  private final Catalog catalog;
  private final PlanErrors errors;
  private final Timestamp now;
  private final Set<String> referenced = new HashSet<>();
  private final Map<String, StreamKind> kinds = new HashMap<>();
  private int leaves;

  private PlanBuilder(Catalog catalog, String source, Timestamp now) {
    this.catalog = catalog;
    this.errors = new PlanErrors(source);
    this.now = now;
  }

  /** A view's plan: no ORDER BY, LIMIT or now(). */
  public static Plan view(Pipeline pipeline, Catalog catalog, String source) {
    return new PlanBuilder(catalog, source, null).plan(pipeline);
  }

  /** An ad-hoc query's plan, in which now() is {@code now}. */
  public static Plan query(Pipeline pipeline, Catalog catalog, String source, Timestamp now) {
    return new PlanBuilder(catalog, source, now).plan(pipeline);
  }

  private Plan plan(Pipeline pipeline) {
    var root = build(pipeline).node();
    var wanted = new HashMap<String, Optional<Set<String>>>();
    collectWanted(root, false, wanted);
    return new Plan(root, kinds, wanted);
  }

  /** A pipeline compiled so far, and what its rows look like. */
  record Built(Node node, Schema schema) {}

  private Built build(Pipeline pipeline) {
    var info = sourceInfo(pipeline.source());
    var built = new Built(leaf(info), schemaOf(info));
    for (var op : pipeline.ops()) {
      built = apply(op, built, pipeline.source().value());
    }
    return built;
  }

  private Built apply(PipeOp op, Built in, String sourceName) {
    var scope = new RowScope(in.schema(), errors, now, referenced);
    return switch (op) {
      case PipeOp.Where where ->
          new Built(
              new Node.Filter(in.node(), compile(where.condition(), scope), where.pos()),
              in.schema());
      case PipeOp.Select select -> select(select, in, scope);
      case PipeOp.Extend extend -> extend(extend, in, scope);
      case PipeOp.Aggregate aggregate -> AggregatePlanner.plan(aggregate, in.node(), scope, errors);
      case PipeOp.Join join -> join(join, in, scope, sourceName);
      case PipeOp.UnionAll union -> {
        var other = build(union.other());
        var envelope = in.schema().envelope() && other.schema().envelope();
        yield new Built(
            new Node.Union(in.node(), other.node()), in.schema().merge(other.schema(), envelope));
      }
      case PipeOp.TumblingWindow w ->
          window(
              in, compile(w.time(), scope), w.size().millis(), w.size().millis(), w.lateness(), w);
      case PipeOp.HoppingWindow w ->
          window(
              in,
              compile(w.time(), scope),
              w.size().millis(),
              w.advance().millis(),
              w.lateness(),
              w);
      case PipeOp.OrderBy order -> {
        requireAdHoc("ORDER BY", order);
        var keys = order.keys().stream().map(k -> compile(k.expr(), scope)).toList();
        var descending =
            order.keys().stream().map(k -> k.order() == PipeOp.SortOrder.DESC).toList();
        yield new Built(new Node.OrderBy(in.node(), keys, descending, order.pos()), in.schema());
      }
      case PipeOp.Limit limit -> {
        requireAdHoc("LIMIT", limit);
        yield new Built(new Node.Limit(in.node(), limit.count()), in.schema());
      }
    };
  }

  static dev.sluice.operators.internal.expr.Eval compile(Expr expr, ExprCompiler.Scope scope) {
    return ExprCompiler.compile(expr, scope);
  }

  private void requireAdHoc(String what, PipeOp op) {
    if (now == null) {
      throw errors.adHocOnly(what, op.pos());
    }
  }

  private SourceInfo sourceInfo(Name name) {
    var info = catalog.source(name.value());
    if (info.isEmpty()) {
      throw errors.unknownSource(name.value(), name.pos(), catalog.names());
    }
    return info.get();
  }

  private Node.Source leaf(SourceInfo info) {
    kinds.put(info.name(), info.kind());
    return new Node.Source(info.name(), info.kind(), leaves++);
  }

  private static Schema schemaOf(SourceInfo info) {
    return info.knownFields()
        .map(
            known -> {
              var fields = new LinkedHashSet<>(known);
              info.keyField().ifPresent(fields::add);
              return Schema.of(fields, true);
            })
        .orElse(Schema.open(true));
  }

  private Built select(PipeOp.Select select, Built in, RowScope scope) {
    var items = new ArrayList<Node.Item>();
    var names = new LinkedHashSet<String>();
    var open = false;
    var explicit = new HashSet<String>();
    for (var item : select.items()) {
      switch (item) {
        case PipeOp.Star star -> {
          items.add(new Node.AllFields());
          in.schema().fields().ifPresent(names::addAll);
          open |= in.schema().fields().isEmpty();
        }
        case PipeOp.Projection projection -> {
          var name = outputName(projection, errors);
          if (!explicit.add(name)) {
            throw errors.duplicateName(name, projection.pos());
          }
          names.add(name);
          items.add(new Node.Computed(name, compile(projection.expr(), scope)));
        }
      }
    }
    var schema =
        open ? Schema.open(in.schema().envelope()) : Schema.of(names, in.schema().envelope());
    return new Built(new Node.Project(in.node(), items), schema);
  }

  private Built extend(PipeOp.Extend extend, Built in, RowScope scope) {
    var items = new ArrayList<Node.Item>(List.of(new Node.AllFields()));
    var names = new HashSet<String>();
    for (var projection : extend.items()) {
      var name = projection.alias().orElseThrow().value();
      if (!names.add(name)) {
        throw errors.duplicateName(name, projection.alias().get().pos());
      }
      items.add(new Node.Computed(name, compile(projection.expr(), scope)));
    }
    return new Built(new Node.Project(in.node(), items), in.schema().plus(names));
  }

  /** An item's field name: its alias, else a plain field's last segment, else an error. */
  static String outputName(PipeOp.Projection projection, PlanErrors errors) {
    if (projection.alias().isPresent()) {
      return projection.alias().get().value();
    }
    if (projection.expr() instanceof Expr.Field field && !field.path().getFirst().startsWith("_")) {
      return field.path().getLast();
    }
    throw errors.needsName(projection.pos());
  }

  private Built window(
      Built in,
      dev.sluice.operators.internal.expr.Eval time,
      long size,
      long advance,
      java.util.Optional<Expr.IntervalLiteral> lateness,
      PipeOp op) {
    var perRow = (size + advance - 1) / advance;
    if (perRow > WINDOWS_PER_ROW_MAX) {
      throw errors.tooManyWindows(op.pos(), perRow);
    }
    long latenessMs = -1;
    if (neverRetracts(in.node())) {
      latenessMs = lateness.map(Expr.IntervalLiteral::millis).orElse(WINDOW_LATENESS_DEFAULT_MS);
    } else if (lateness.isPresent()) {
      throw errors.latenessOverRetractions(lateness.get().pos());
    }
    return new Built(
        new Node.Window(in.node(), time, size, advance, latenessMs, op.pos()),
        in.schema().plus(Set.of("window_start", "window_end")));
  }

  /**
   * Whether the rows reaching {@code node} are only ever inserted: events of streams, filtered,
   * projected, windowed or unioned. Tables, joins and aggregates retract rows.
   */
  private static boolean neverRetracts(Node node) {
    return switch (node) {
      case Node.Source source -> source.kind() == StreamKind.STREAM;
      case Node.Filter f -> neverRetracts(f.input());
      case Node.Project p -> neverRetracts(p.input());
      case Node.Window w -> neverRetracts(w.input());
      case Node.Union u -> neverRetracts(u.left()) && neverRetracts(u.right());
      case Node.Join j -> false;
      case Node.Aggregate a -> false;
      case Node.OrderBy o -> neverRetracts(o.input());
      case Node.Limit l -> neverRetracts(l.input());
    };
  }

  private Built join(PipeOp.Join join, Built in, RowScope leftScope, String leftName) {
    var info = sourceInfo(join.table());
    if (info.kind() != StreamKind.TABLE) {
      throw errors.joinTarget(info.name(), join.table().pos());
    }
    var right = leaf(info);
    var rightSchema = schemaOf(info);
    var rightScope = new RowScope(rightSchema, errors, now, referenced);
    var keys =
        new JoinKeys(errors, leftScope, rightScope, leftName, info.name(), in.schema())
            .of(join.condition());
    var node = new Node.Join(in.node(), right, join.kind(), keys.left(), keys.right(), join.pos());
    return new Built(node, in.schema().merge(rightSchema, in.schema().envelope()));
  }

  /**
   * Which top-level fields each source must parse: all of them where its rows reach the view
   * unprojected, else only the names the pipeline mentions (a superset of what it reads).
   */
  private void collectWanted(Node node, boolean projected, Map<String, Optional<Set<String>>> out) {
    switch (node) {
      case Node.Source source -> {
        var wanted =
            projected
                ? Optional.<Set<String>>of(Set.copyOf(referenced))
                : Optional.<Set<String>>empty();
        out.merge(
            source.name(), wanted, (a, b) -> a.isEmpty() || b.isEmpty() ? Optional.empty() : a);
      }
      case Node.Filter f -> collectWanted(f.input(), projected, out);
      case Node.Project p ->
          collectWanted(
              p.input(),
              projected || p.items().stream().noneMatch(i -> i instanceof Node.AllFields),
              out);
      case Node.Window w -> collectWanted(w.input(), projected, out);
      case Node.Join j -> {
        collectWanted(j.left(), projected, out);
        collectWanted(j.right(), projected, out);
      }
      case Node.Union u -> {
        collectWanted(u.left(), projected, out);
        collectWanted(u.right(), projected, out);
      }
      case Node.Aggregate a -> collectWanted(a.input(), true, out);
      case Node.OrderBy o -> collectWanted(o.input(), projected, out);
      case Node.Limit l -> collectWanted(l.input(), projected, out);
    }
  }
}
