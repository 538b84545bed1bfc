package dev.sluice.language;

import static dev.sluice.language.Trees.P;

import dev.sluice.language.ast.AggregateFunction;
import dev.sluice.language.ast.BinaryOperator;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.IntervalUnit;
import dev.sluice.language.ast.Name;
import dev.sluice.language.ast.ObjectKind;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Random syntax trees of every shape the parser can produce. Names include reserved words, mixed
 * case, quotes and punctuation, so that printing has to quote them right.
 */
final class SyntaxTreeArbitraries {
  private static final int EXPRESSION_DEPTH_MAX = 3;
  private static final int NESTED_EXPRESSION_DEPTH_MAX = 2;

  private SyntaxTreeArbitraries() {}

  static Arbitrary<Statement> statements() {
    return Arbitraries.oneOf(
        createStreams(),
        createTables(),
        createViews(),
        createIndexes(),
        createSearchIndexes(),
        createConstraints(),
        Combinators.combine(Arbitraries.of(ObjectKind.class), bools(), names())
            .as((kind, ifExists, name) -> new Statement.Drop(kind, ifExists, name, P)),
        Arbitraries.of(ObjectKind.class).map(kind -> new Statement.Show(kind, P)),
        names().map(name -> new Statement.Describe(name, P)),
        pipelines(1).map(pipeline -> new Statement.Query(pipeline, P)));
  }

  static Arbitrary<Expr> expressions() {
    return expressions(EXPRESSION_DEPTH_MAX);
  }

  /**
   * Trees up to {@code depth} levels. The depth is fixed rather than drawn per try (which would
   * rebuild the arbitrary every time); {@link #compound} also offers its input, so shallower
   * subtrees still occur.
   */
  private static Arbitrary<Expr> expressions(int depth) {
    return Arbitraries.recursive(
        () -> Arbitraries.oneOf(literals(), fields()), SyntaxTreeArbitraries::compound, depth);
  }

  private static Arbitrary<Expr> compound(Arbitrary<Expr> e) {
    return Arbitraries.frequencyOf(
        Tuple.of(4, e),
        Tuple.of(
            4,
            Combinators.combine(Arbitraries.of(BinaryOperator.class), e, e)
                .as((op, left, right) -> new Expr.Binary(op, left, right, P))),
        Tuple.of(1, e.map(operand -> new Expr.Negate(operand, P))),
        Tuple.of(1, e.map(operand -> new Expr.Not(operand, P))),
        Tuple.of(
            1,
            Combinators.combine(e, e.list().ofMinSize(1).ofMaxSize(2), bools())
                .as((value, list, negated) -> new Expr.In(value, list, negated, P))),
        Tuple.of(
            1,
            Combinators.combine(e, e, bools())
                .as((value, pattern, negated) -> new Expr.Like(value, pattern, negated, P))),
        Tuple.of(
            1,
            Combinators.combine(e, e, e, bools())
                .as((value, low, high, negated) -> new Expr.Between(value, low, high, negated, P))),
        Tuple.of(
            1,
            Combinators.combine(e, bools())
                .as((value, negated) -> new Expr.IsNull(value, negated, P))),
        Tuple.of(
            1,
            Combinators.combine(
                    e.optional(),
                    Combinators.combine(e, e)
                        .as((c, r) -> new Expr.When(c, r, P))
                        .list()
                        .ofMinSize(1)
                        .ofMaxSize(2),
                    e.optional())
                .as((operand, whens, otherwise) -> new Expr.Case(operand, whens, otherwise, P))),
        Tuple.of(1, calls(e)));
  }

  private static Arbitrary<Expr> calls(Arbitrary<Expr> e) {
    var calls = new ArrayList<Arbitrary<Expr>>();
    for (var function : new TreeSet<>(Builtins.names())) {
      var signature = Builtins.lookup(function).orElseThrow();
      var most = Math.min(signature.maxArguments(), signature.minArguments() + 2);
      calls.add(
          e.list()
              .ofMinSize(signature.minArguments())
              .ofMaxSize(most)
              .map(arguments -> new Expr.Call(function, arguments, P)));
    }
    return Arbitraries.oneOf(calls);
  }

  /** An AGGREGATE item: an aggregate call, alone or combined with a scalar expression. */
  private static Arbitrary<Expr> aggregateItems() {
    var e = expressions(NESTED_EXPRESSION_DEPTH_MAX);
    Arbitrary<Expr> call =
        Arbitraries.oneOf(
            Arbitraries.just(
                new Expr.AggregateCall(AggregateFunction.COUNT, Optional.empty(), false, P)),
            e.map(
                argument ->
                    new Expr.AggregateCall(
                        AggregateFunction.COUNT, Optional.of(argument), true, P)),
            Combinators.combine(Arbitraries.of(AggregateFunction.class), e)
                .as(
                    (function, argument) ->
                        new Expr.AggregateCall(function, Optional.of(argument), false, P)));
    return Arbitraries.oneOf(
        call,
        Combinators.combine(Arbitraries.of(BinaryOperator.class), call, e)
            .as((op, aggregate, other) -> new Expr.Binary(op, aggregate, other, P)));
  }

  static Arbitrary<Expr.Literal> literals() {
    return Arbitraries.oneOf(
        Arbitraries.just(new Expr.NullLiteral(P)),
        bools().map(value -> new Expr.BooleanLiteral(value, P)),
        Arbitraries.longs().map(value -> new Expr.IntegerLiteral(value, P)),
        Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(1, 6))
            .as(
                (unscaled, scale) ->
                    new Expr.DecimalLiteral(
                        new BigDecimal(BigInteger.valueOf(unscaled), scale), P)),
        Arbitraries.strings().ofMaxLength(12).map(value -> new Expr.StringLiteral(value, P)),
        intervals(0));
  }

  private static Arbitrary<Expr.IntervalLiteral> intervals(long least) {
    return Combinators.combine(
            Arbitraries.longs().between(least, 100_000_000L), Arbitraries.of(IntervalUnit.class))
        .as((amount, unit) -> new Expr.IntervalLiteral(amount, unit, P));
  }

  static Arbitrary<Expr.Field> fields() {
    var head =
        Arbitraries.oneOf(
            words().filter(word -> !word.startsWith("_")),
            Arbitraries.of("_key", "_time", "_id", "_partition", "_offset", "_causes"));
    return Combinators.combine(head, words().list().ofMaxSize(2))
        .as(
            (first, rest) -> {
              var path = new ArrayList<String>();
              path.add(first);
              path.addAll(rest);
              return new Expr.Field(path, P);
            });
  }

  private static Arbitrary<Name> names() {
    return words().map(word -> new Name(word, P));
  }

  private static Arbitrary<String> words() {
    return Arbitraries.frequencyOf(
        Tuple.of(
            6,
            Arbitraries.strings()
                .withCharRange('a', 'z')
                .withChars("_0123456789")
                .ofMinLength(1)
                .ofMaxLength(8)
                .filter(word -> Character.isLetter(word.charAt(0)))),
        Tuple.of(
            2,
            Arbitraries.of(
                "select",
                "from",
                "and",
                "key",
                "count",
                "window",
                "stream",
                "Orders",
                "orders-v2",
                "a b",
                "say \"hi\"",
                "it's",
                "prénom",
                "1st",
                "back`tick",
                "x;y",
                "--x",
                "/*")),
        Tuple.of(
            2, Arbitraries.strings().withChars("aZ9_ -\"'é`|>;.").ofMinLength(1).ofMaxLength(6)));
  }

  private static Arbitrary<Boolean> bools() {
    return Arbitraries.of(true, false);
  }

  private static Arbitrary<Pipeline> pipelines(int depth) {
    return Combinators.combine(names(), ops(depth).list().ofMaxSize(4))
        .as((source, ops) -> new Pipeline(source, ops, P));
  }

  private static Arbitrary<PipeOp> ops(int depth) {
    var e = expressions(NESTED_EXPRESSION_DEPTH_MAX);
    var projections = Combinators.combine(e, names().optional()).as(PipeOp.Projection::new);
    var named =
        Combinators.combine(e, names())
            .as((expr, name) -> new PipeOp.Projection(expr, Optional.of(name)));
    var aggregates =
        Combinators.combine(aggregateItems(), names().optional()).as(PipeOp.Projection::new);
    Arbitrary<PipeOp.SelectItem> selectItems =
        Arbitraries.oneOf(Arbitraries.just(new PipeOp.Star(P)), projections);
    Arbitrary<PipeOp.JoinCondition> conditions =
        Arbitraries.oneOf(
            fields().list().ofMinSize(1).ofMaxSize(3).map(fields -> new PipeOp.Using(fields, P)),
            e.map(condition -> new PipeOp.On(condition, P)));
    var choices =
        new ArrayList<Arbitrary<? extends PipeOp>>(
            List.of(
                e.map(condition -> new PipeOp.Where(condition, P)),
                selectItems
                    .list()
                    .ofMinSize(1)
                    .ofMaxSize(3)
                    .map(items -> new PipeOp.Select(items, P)),
                named.list().ofMinSize(1).ofMaxSize(3).map(items -> new PipeOp.Extend(items, P)),
                Combinators.combine(
                        aggregates.list().ofMinSize(1).ofMaxSize(3),
                        projections.list().ofMaxSize(2))
                    .as((items, groupBy) -> new PipeOp.Aggregate(items, groupBy, P)),
                projections
                    .list()
                    .ofMinSize(1)
                    .ofMaxSize(2)
                    .map(groupBy -> new PipeOp.Aggregate(List.of(), groupBy, P)),
                Combinators.combine(Arbitraries.of(PipeOp.JoinKind.class), names(), conditions)
                    .as((kind, table, condition) -> new PipeOp.Join(kind, table, condition, P)),
                Combinators.combine(e, intervals(1), intervals(0).optional())
                    .as((time, size, lateness) -> new PipeOp.TumblingWindow(time, size, lateness, P)),
                Combinators.combine(e, intervals(1), intervals(1), intervals(0).optional())
                    .as(
                        (time, size, advance, lateness) ->
                            new PipeOp.HoppingWindow(time, size, advance, lateness, P)),
                Combinators.combine(e, Arbitraries.of(PipeOp.SortOrder.class))
                    .as(PipeOp.SortKey::new)
                    .list()
                    .ofMinSize(1)
                    .ofMaxSize(3)
                    .map(keys -> new PipeOp.OrderBy(keys, P)),
                Arbitraries.longs()
                    .between(0, Long.MAX_VALUE)
                    .map(count -> new PipeOp.Limit(count, P))));
    if (depth > 0) {
      choices.add(pipelines(depth - 1).map(other -> new PipeOp.UnionAll(other, P)));
    }
    return Arbitraries.oneOf(choices);
  }

  private static Arbitrary<List<Statement.Option>> options() {
    return Arbitraries.maps(words(), literals())
        .ofMaxSize(3)
        .map(
            map ->
                map.entrySet().stream()
                    .map(
                        entry ->
                            new Statement.Option(new Name(entry.getKey(), P), entry.getValue()))
                    .toList());
  }

  private static Arbitrary<OptionalInt> partitions() {
    return Arbitraries.integers()
        .between(1, Integer.MAX_VALUE)
        .optional()
        .map(count -> count.map(OptionalInt::of).orElse(OptionalInt.empty()));
  }

  private static Arbitrary<Statement> createStreams() {
    return Combinators.combine(
            names(), bools(), fields().optional(), partitions(), options(), pipelines(1).optional())
        .as(
            (name, ifNotExists, key, partitions, options, query) ->
                new Statement.CreateStream(name, ifNotExists, key, partitions, options, query, P));
  }

  private static Arbitrary<Statement> createTables() {
    return Combinators.combine(names(), bools(), fields().optional(), partitions(), options())
        .as(
            (name, ifNotExists, key, partitions, options) ->
                new Statement.CreateTable(name, ifNotExists, key, partitions, options, P));
  }

  /** 0 is plain CREATE, 1 is CREATE OR REPLACE, 2 is CREATE … IF NOT EXISTS. */
  private static Arbitrary<Integer> createModes() {
    return Arbitraries.integers().between(0, 2);
  }

  private static Arbitrary<Statement> createViews() {
    return Combinators.combine(names(), createModes(), options(), pipelines(1))
        .as(
            (name, mode, options, query) ->
                new Statement.CreateView(name, mode == 1, mode == 2, options, query, P));
  }

  private static Arbitrary<Pipeline> indexSources() {
    return Arbitraries.oneOf(names().map(name -> new Pipeline(name, List.of(), P)), pipelines(0));
  }

  private static Arbitrary<Statement> createIndexes() {
    return Combinators.combine(
            names(), createModes(), indexSources(), fields().list().ofMinSize(1).ofMaxSize(3))
        .as(
            (name, mode, source, fields) ->
                new Statement.CreateIndex(name, mode == 1, mode == 2, source, fields, P));
  }

  private static Arbitrary<Statement> createSearchIndexes() {
    return Combinators.combine(
            names(),
            createModes(),
            indexSources(),
            fields().list().ofMinSize(1).ofMaxSize(3),
            fields().list().ofMaxSize(2))
        .as(
            (name, mode, source, fields, facets) ->
                new Statement.CreateSearchIndex(
                    name, mode == 1, mode == 2, source, fields, facets, P));
  }

  private static Arbitrary<Statement> createConstraints() {
    return Combinators.combine(names(), bools(), names(), fields().list().ofMinSize(1).ofMaxSize(3))
        .as(
            (name, ifNotExists, stream, fields) ->
                new Statement.CreateConstraint(name, ifNotExists, stream, fields, P));
  }
}
