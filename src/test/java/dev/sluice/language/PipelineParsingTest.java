package dev.sluice.language;

import static dev.sluice.language.Trees.assertSameTree;
import static dev.sluice.language.Trees.binary;
import static dev.sluice.language.Trees.call;
import static dev.sluice.language.Trees.field;
import static dev.sluice.language.Trees.fields;
import static dev.sluice.language.Trees.from;
import static dev.sluice.language.Trees.integer;
import static dev.sluice.language.Trees.interval;
import static dev.sluice.language.Trees.item;
import static dev.sluice.language.Trees.name;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.ast.AggregateFunction;
import dev.sluice.language.ast.BinaryOperator;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.IntervalUnit;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PipelineParsingTest {
  /** The single operator of {@code FROM t |> <op>}. */
  private static PipeOp op(String op) {
    return pipeline("FROM t |> " + op).ops().get(0);
  }

  private static Pipeline pipeline(String source) {
    return ((Statement.Query) Parser.parseStatement(source)).pipeline();
  }

  private static Expr.AggregateCall aggregate(AggregateFunction function, Expr argument) {
    return new Expr.AggregateCall(function, Optional.of(argument), false, Trees.P);
  }

  @Test
  void whereKeepsItsCondition() {
    assertSameTree(
        op("WHERE a IS NULL"),
        new PipeOp.Where(new Expr.IsNull(field("a"), false, Trees.P), Trees.P));
  }

  @Test
  void selectTakesStarAndExpressionsWithOptionalAliases() {
    assertSameTree(
        op("SELECT *, a.b, price * quantity AS total"),
        new PipeOp.Select(
            List.of(
                new PipeOp.Star(Trees.P),
                item(field("a", "b")),
                item(binary(BinaryOperator.MULTIPLY, field("price"), field("quantity")), "total")),
            Trees.P));
  }

  @Test
  void extendNamesEachNewField() {
    assertSameTree(
        op("EXTEND lower(email) AS email_lower, amount * 2 AS doubled"),
        new PipeOp.Extend(
            List.of(
                item(call("lower", field("email")), "email_lower"),
                item(binary(BinaryOperator.MULTIPLY, field("amount"), integer(2)), "doubled")),
            Trees.P));
  }

  @Test
  void aggregateEveryFunctionWithGroupByAliases() {
    assertSameTree(
        op(
            "AGGREGATE count(*), count(x), count(DISTINCT customer_id) AS customers, sum(a),"
                + " avg(a), min(a), max(a) GROUP BY country, date_trunc('day', _time) AS day"),
        new PipeOp.Aggregate(
            List.of(
                item(
                    new Expr.AggregateCall(
                        AggregateFunction.COUNT, Optional.empty(), false, Trees.P)),
                item(aggregate(AggregateFunction.COUNT, field("x"))),
                item(
                    new Expr.AggregateCall(
                        AggregateFunction.COUNT, Optional.of(field("customer_id")), true, Trees.P),
                    "customers"),
                item(aggregate(AggregateFunction.SUM, field("a"))),
                item(aggregate(AggregateFunction.AVG, field("a"))),
                item(aggregate(AggregateFunction.MIN, field("a"))),
                item(aggregate(AggregateFunction.MAX, field("a")))),
            List.of(
                item(field("country")),
                item(call("date_trunc", Trees.string("day"), field("_time")), "day")),
            Trees.P));
  }

  @Test
  void aggregateItemsMayComputeOverAggregates() {
    assertSameTree(
        op("AGGREGATE sum(amount) / count(*) AS mean"),
        new PipeOp.Aggregate(
            List.of(
                item(
                    binary(
                        BinaryOperator.DIVIDE,
                        aggregate(AggregateFunction.SUM, field("amount")),
                        new Expr.AggregateCall(
                            AggregateFunction.COUNT, Optional.empty(), false, Trees.P)),
                    "mean")),
            List.of(),
            Trees.P));
  }

  @Test
  void aggregateWithOnlyGroupByListsTheDistinctKeys() {
    assertSameTree(
        op("AGGREGATE GROUP BY country"),
        new PipeOp.Aggregate(List.of(), List.of(item(field("country"))), Trees.P));
  }

  @Test
  void joinUsingFields() {
    assertSameTree(
        op("JOIN customers USING (customer_id)"),
        new PipeOp.Join(
            PipeOp.JoinKind.INNER,
            name("customers"),
            new PipeOp.Using(fields("customer_id"), Trees.P),
            Trees.P));
  }

  @Test
  void leftJoinUsingSeveralFields() {
    assertSameTree(
        op("LEFT JOIN rates USING (currency, day)"),
        new PipeOp.Join(
            PipeOp.JoinKind.LEFT,
            name("rates"),
            new PipeOp.Using(fields("currency", "day"), Trees.P),
            Trees.P));
  }

  @Test
  void joinOnACondition() {
    assertSameTree(
        op("JOIN customers ON customer_id = customers.id"),
        new PipeOp.Join(
            PipeOp.JoinKind.INNER,
            name("customers"),
            new PipeOp.On(
                binary(BinaryOperator.EQ, field("customer_id"), field("customers", "id")), Trees.P),
            Trees.P));
  }

  @Test
  void unionAllTakesAPipelineInParentheses() {
    assertSameTree(
        op("UNION ALL (FROM returns |> WHERE approved)"),
        new PipeOp.UnionAll(
            from("returns", new PipeOp.Where(field("approved"), Trees.P)), Trees.P));
  }

  @Test
  void tumblingWindowHasATimeAndASize() {
    assertSameTree(
        op("WINDOW TUMBLE(_time, INTERVAL 1 MINUTE)"),
        new PipeOp.TumblingWindow(field("_time"), interval(1, IntervalUnit.MINUTE), Trees.P));
  }

  @Test
  void hoppingWindowAlsoHasAnAdvance() {
    assertSameTree(
        op("window hop(created_at, interval 1 hour, interval 10 minutes)"),
        new PipeOp.HoppingWindow(
            field("created_at"),
            interval(1, IntervalUnit.HOUR),
            interval(10, IntervalUnit.MINUTE),
            Trees.P));
  }

  @Test
  void aWindowMaySayHowLateItStillTakesRows() {
    assertSameTree(
        op("WINDOW TUMBLE(_time, INTERVAL 1 MINUTE) LATENESS INTERVAL 30 SECONDS"),
        new PipeOp.TumblingWindow(
            field("_time"),
            interval(1, IntervalUnit.MINUTE),
            java.util.Optional.of(interval(30, IntervalUnit.SECOND)),
            Trees.P));
  }

  @Test
  void orderByWithDirectionsAscendingByDefault() {
    assertSameTree(
        op("ORDER BY country, revenue DESC, n ASC"),
        new PipeOp.OrderBy(
            List.of(
                new PipeOp.SortKey(field("country"), PipeOp.SortOrder.ASC),
                new PipeOp.SortKey(field("revenue"), PipeOp.SortOrder.DESC),
                new PipeOp.SortKey(field("n"), PipeOp.SortOrder.ASC)),
            Trees.P));
  }

  @Test
  void limitTakesAWholeNumber() {
    assertSameTree(op("LIMIT 0"), new PipeOp.Limit(0, Trees.P));
  }

  @Test
  void operatorsRunInTheOrderWritten() {
    var ops = pipeline("FROM t |> LIMIT 5 |> WHERE a |> SELECT a |> LIMIT 1").ops();
    assertThat(ops)
        .map(op -> op.getClass().getSimpleName())
        .containsExactly("Limit", "Where", "Select", "Limit");
  }

  @Test
  void eachOperatorStartsAtItsKeyword() {
    var pipeline = pipeline("FROM orders\n  |> LEFT JOIN c USING (id)\n  |> WHERE x");
    assertThat(pipeline.pos()).hasToString("line 1, column 1");
    assertThat(pipeline.source().pos()).hasToString("line 1, column 6");
    assertThat(pipeline.ops().get(0).pos()).hasToString("line 2, column 6");
    assertThat(pipeline.ops().get(1).pos()).hasToString("line 3, column 6");
  }
}
