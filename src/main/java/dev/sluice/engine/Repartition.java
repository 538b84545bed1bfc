package dev.sluice.engine;

import dev.sluice.language.LanguageException;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.Name;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamNames;
import dev.sluice.log.StreamSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The repartition step of a view that aggregates GROUP BY a field other than its stream's key, on
 * instances sharing a log (docs/deploy-kafka.md "Repartitioned views"). Such a view is split in
 * two: the operators before the AGGREGATE become an internal derived stream
 * {@code <view>_v<version>_repartition} keyed by the group field, which runs per input partition
 * on that partition's owner (a per-event derived stream is divided, {@link Placement}); the view
 * itself aggregates that stream, GROUP BY its key, so it is divided over the internal stream's
 * partitions. A derived event's id is its input's id and a digest of its row's key, so an owner
 * that replays a partition (after a crash or a handover) appends nothing twice.
 *
 * @param stream the internal stream: the view's source's partition count, keyed by the group field
 * @param derivedPipeline what derives the internal stream: the source and the operators before the aggregate
 * @param viewPipeline the view's pipeline over the internal stream
 */
record Repartition(StreamSpec stream, Pipeline derivedPipeline, String viewPipeline) {
  private static final String SUFFIX = "_repartition";
  /** Fields whose value the repartitioned event does not keep: its own key, id and position differ from the input's. */
  private static final Pattern INPUT_ONLY_FIELDS = Pattern.compile("\\b_(key|id|offset|partition|causes)\\b");

  /** The internal stream of version {@code version} of {@code view}. */
  static String streamName(String view, long version) {
    return view + "_v" + version + SUFFIX;
  }

  /** The version of {@code view} whose internal stream {@code stream} is; -1 when it is none. */
  static long versionOf(String stream, String view) {
    if (!stream.startsWith(view + "_v") || !stream.endsWith(SUFFIX)) {
      return -1;
    }
    String digits = stream.substring(view.length() + 2, stream.length() - SUFFIX.length());
    return digits.matches("[0-9]{1,18}") ? Long.parseLong(digits) : -1;
  }

  /**
   * The split of a view's pipeline, or empty when it needs none or cannot have one: it must read one
   * stream (not a table: a repartitioned event is never taken back), apply only WHERE, SELECT and
   * EXTEND before one AGGREGATE, group by one top-level field that is not the stream's key, and not
   * read the fields the repartitioned event does not carry over ({@code _key}, {@code _id}, …).
   */
  static Optional<Repartition> of(String view, long version, String pipelineText, Function<String, Optional<StreamSpec>> streams) {
    Pipeline pipeline;
    try {
      if (!(Parser.parseStatement(pipelineText) instanceof Statement.Query query)) {
        return Optional.empty();
      }
      pipeline = query.pipeline();
    } catch (LanguageException e) {
      return Optional.empty();
    }
    Optional<StreamSpec> source = streams.apply(pipeline.source().value());
    if (source.isEmpty() || source.get().kind() != StreamKind.STREAM) {
      return Optional.empty();
    }
    List<PipeOp> ops = pipeline.ops();
    int at = -1;
    for (int i = 0; i < ops.size() && at < 0; i++) {
      switch (ops.get(i)) {
        case PipeOp.Where w -> { }
        case PipeOp.Select s -> { }
        case PipeOp.Extend e -> { }
        case PipeOp.Aggregate a -> at = i;
        default -> {
          return Optional.empty();
        }
      }
    }
    if (at < 0) {
      return Optional.empty();
    }
    PipeOp.Aggregate aggregate = (PipeOp.Aggregate) ops.get(at);
    if (aggregate.groupBy().size() != 1 || !(aggregate.groupBy().getFirst().expr() instanceof Expr.Field field)
        || field.path().size() != 1 || field.path().getFirst().startsWith("_")
        || field.path().getFirst().equals(source.get().keyField())) {
      return Optional.empty();
    }
    List<PipeOp> after = ops.subList(at, ops.size());
    Pipeline viewPart = new Pipeline(new Name("x", pipeline.source().pos()), after, pipeline.pos());
    if (INPUT_ONLY_FIELDS.matcher(viewPart.toSql()).find()) {
      return Optional.empty();
    }
    String name = streamName(view, version);
    try {
      StreamNames.check(name);
    } catch (RuntimeException tooLongOrInvalid) {
      return Optional.empty();
    }
    StreamSpec stream = new StreamSpec(name, StreamKind.STREAM, field.path().getFirst(), source.get().partitions());
    Pipeline derived = new Pipeline(pipeline.source(), new ArrayList<>(ops.subList(0, at)), pipeline.pos());
    String viewPipeline = new Pipeline(new Name(name, pipeline.source().pos()), after, pipeline.pos()).toSql();
    return Optional.of(new Repartition(stream, derived, viewPipeline));
  }
}
