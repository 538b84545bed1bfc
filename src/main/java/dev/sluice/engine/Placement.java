package dev.sluice.engine;

import dev.sluice.language.LanguageException;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.EventLog;
import dev.sluice.log.Partitioner;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.operators.RowKey;
import java.util.List;
import java.util.Optional;

/**
 * Where a view's rows come from, which decides how instances sharing a log divide its work
 * (docs/deploy-kafka.md "Which views are divided"). A view is <em>divided</em> when each of its
 * rows derives from the events of one partition of its one source, so the owner of that partition
 * can maintain the row alone: a pipeline of WHERE, SELECT and EXTEND over one stream or table, or
 * one that aggregates GROUP BY the source's key ({@code _key} or its KEY field). A derived stream
 * of WHERE, SELECT and EXTEND is divided too: each event derives from one input event, and its id
 * from the input's, so any owner derives the same events (a repartition step is one, {@link
 * Repartition}). Every other view is <em>whole</em>: one instance runs it over every partition.
 */
sealed interface Placement {
  /** Runs on one instance over every partition. */
  record Whole() implements Placement {}

  /**
   * Runs on the owners of {@code source}'s partitions, each over its own.
   *
   * @param eventRows rows are a stream's events, keyed [_key, partition, offset]; otherwise a row's
   *     key is the {@code _key} of the events it derives from
   */
  record Divided(String source, int partitions, boolean eventRows) implements Placement {
    /** The partition whose events make the row {@code key}; -1 when the key cannot be one of this view's. */
    int partitionOf(RowKey key) {
      Object value = key.value();
      if (eventRows) {
        return value instanceof List<?> parts && parts.size() == 3 && parts.get(1) instanceof Long p
            && p >= 0 && p < partitions ? p.intValue() : -1;
      }
      // A number grouped by a KEY field has the text the event's _key was made from; see the docs
      // for the one caveat (a number written two ways).
      return switch (value) {
        case String s -> Partitioner.partition(s, partitions);
        case Long n -> Partitioner.partition(Long.toString(n), partitions);
        case null, default -> -1;
      };
    }
  }

  Placement WHOLE = new Whole();

  static Placement of(ViewDefinition d, EventLog log) {
    return of(d, log::stream);
  }

  /** {@link #of(ViewDefinition, EventLog)} with the log's declarations as {@code streams}. */
  static Placement of(ViewDefinition d, java.util.function.Function<String, Optional<StreamSpec>> streams) {
    if (d.index() != null) {
      return WHOLE; // indexes are keyed by what they index
    }
    Pipeline pipeline;
    try {
      if (!(Parser.parseStatement(d.pipelineText()) instanceof Statement.Query query)) {
        return WHOLE;
      }
      pipeline = query.pipeline();
    } catch (LanguageException e) {
      return WHOLE;
    }
    Optional<StreamSpec> source = streams.apply(pipeline.source().value());
    if (source.isEmpty()) {
      return WHOLE;
    }
    StreamSpec spec = source.get();
    List<PipeOp> ops = pipeline.ops();
    int aggregates = 0;
    int aggregateAt = -1;
    for (int i = 0; i < ops.size(); i++) {
      switch (ops.get(i)) {
        case PipeOp.Where w -> { }
        case PipeOp.Select s -> { }
        case PipeOp.Extend e -> { }
        case PipeOp.Aggregate a -> {
          aggregates++;
          aggregateAt = i;
        }
        default -> {
          return WHOLE; // joins, unions and windows bring rows of several partitions together
        }
      }
    }
    if (aggregates == 0) {
      return new Divided(spec.name(), spec.partitions(), spec.kind() == StreamKind.STREAM);
    }
    if (aggregates > 1 || d.derivedStream()) {
      // A derived stream appends to the log: one that aggregates derives from state across partitions.
      return WHOLE;
    }
    PipeOp.Aggregate aggregate = (PipeOp.Aggregate) ops.get(aggregateAt);
    if (aggregate.groupBy().size() != 1 || !(aggregate.groupBy().getFirst().expr() instanceof Expr.Field field)) {
      return WHOLE;
    }
    boolean byKey = field.path().equals(List.of("_key")) || field.path().equals(keyPath(spec));
    if (!byKey || redefines(ops.subList(0, aggregateAt), field.path().getFirst())) {
      return WHOLE;
    }
    return new Divided(spec.name(), spec.partitions(), false);
  }

  /** The member path the stream's KEY names, as the server reads it from events. */
  private static List<String> keyPath(StreamSpec spec) {
    if (spec.keyField() == null) {
      return null;
    }
    try {
      return Parser.parseExpression(spec.keyField()) instanceof Expr.Field f ? f.path() : List.of(spec.keyField());
    } catch (LanguageException e) {
      return List.of(spec.keyField());
    }
  }

  /** Whether a SELECT or EXTEND before the aggregate gives {@code name} a value other than the event's. */
  private static boolean redefines(List<PipeOp> before, String name) {
    for (PipeOp op : before) {
      List<? extends PipeOp.SelectItem> items = switch (op) {
        case PipeOp.Select s -> s.items();
        case PipeOp.Extend e -> e.items();
        default -> List.of();
      };
      for (PipeOp.SelectItem item : items) {
        if (!(item instanceof PipeOp.Projection p)) {
          continue;
        }
        boolean plain = p.expr() instanceof Expr.Field f && f.path().equals(List.of(name));
        String output = p.alias().map(a -> a.value()).orElse(p.expr() instanceof Expr.Field f ? f.path().getLast() : null);
        if (name.equals(output) && !plain) {
          return true;
        }
      }
    }
    return false;
  }
}
