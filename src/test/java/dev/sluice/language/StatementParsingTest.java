package dev.sluice.language;

import static dev.sluice.language.Trees.assertSameTree;
import static dev.sluice.language.Trees.binary;
import static dev.sluice.language.Trees.bool;
import static dev.sluice.language.Trees.decimal;
import static dev.sluice.language.Trees.field;
import static dev.sluice.language.Trees.fields;
import static dev.sluice.language.Trees.from;
import static dev.sluice.language.Trees.integer;
import static dev.sluice.language.Trees.interval;
import static dev.sluice.language.Trees.item;
import static dev.sluice.language.Trees.name;
import static dev.sluice.language.Trees.string;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.ast.AggregateFunction;
import dev.sluice.language.ast.BinaryOperator;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.IntervalUnit;
import dev.sluice.language.ast.ObjectKind;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Statement;
import dev.sluice.language.ast.Statement.Option;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatementParsingTest {
  private static Statement parse(String source) {
    return Parser.parseStatement(source);
  }

  @Test
  void createStreamWithKeyAndPartitions() {
    assertSameTree(
        parse("CREATE STREAM orders KEY order_id PARTITIONS 4;"),
        new Statement.CreateStream(
            name("orders"),
            false,
            Optional.of(field("order_id")),
            OptionalInt.of(4),
            List.of(),
            Optional.empty(),
            Trees.P));
  }

  @Test
  void createStreamLeavesKeyAndPartitionsToTheCaller() {
    assertSameTree(
        parse("CREATE STREAM clicks"),
        new Statement.CreateStream(
            name("clicks"),
            false,
            Optional.empty(),
            OptionalInt.empty(),
            List.of(),
            Optional.empty(),
            Trees.P));
  }

  @Test
  void createStreamClausesMayComeInAnyOrder() {
    assertSameTree(
        parse("CREATE STREAM s PARTITIONS 2 KEY k"), parse("CREATE STREAM s KEY k PARTITIONS 2"));
  }

  @Test
  void createStreamIfNotExistsWithNestedKeyAndOptions() {
    assertSameTree(
        parse(
            "CREATE STREAM IF NOT EXISTS payments KEY payment.id WITH (retention = INTERVAL 30"
                + " DAYS)"),
        new Statement.CreateStream(
            name("payments"),
            true,
            Optional.of(field("payment", "id")),
            OptionalInt.empty(),
            List.of(new Option(name("retention"), interval(30, IntervalUnit.DAY))),
            Optional.empty(),
            Trees.P));
  }

  @Test
  void derivedStreamCarriesItsPipeline() {
    assertSameTree(
        parse(
            "CREATE STREAM big_orders KEY order_id PARTITIONS 2 AS FROM orders |> WHERE amount >"
                + " 1000"),
        new Statement.CreateStream(
            name("big_orders"),
            false,
            Optional.of(field("order_id")),
            OptionalInt.of(2),
            List.of(),
            Optional.of(
                from(
                    "orders",
                    new PipeOp.Where(
                        binary(BinaryOperator.GT, field("amount"), integer(1000)), Trees.P))),
            Trees.P));
  }

  @Test
  void createTableWithKey() {
    assertSameTree(
        parse("CREATE TABLE customers KEY customer_id;"),
        new Statement.CreateTable(
            name("customers"),
            false,
            Optional.of(field("customer_id")),
            OptionalInt.empty(),
            List.of(),
            Trees.P));
  }

  @Test
  void createViewFromTheSpecification() {
    var statement =
        parse(
            """
            CREATE VIEW revenue_by_country AS
              FROM orders
              |> WHERE status = 'paid'
              |> JOIN customers USING (customer_id)          -- enrich from the table's current row
              |> AGGREGATE count(*) AS orders, sum(amount) AS revenue GROUP BY country;
            """);
    assertSameTree(
        statement,
        new Statement.CreateView(
            name("revenue_by_country"),
            false,
            false,
            List.of(),
            from(
                "orders",
                new PipeOp.Where(
                    binary(BinaryOperator.EQ, field("status"), string("paid")), Trees.P),
                new PipeOp.Join(
                    PipeOp.JoinKind.INNER,
                    name("customers"),
                    new PipeOp.Using(fields("customer_id"), Trees.P),
                    Trees.P),
                new PipeOp.Aggregate(
                    List.of(
                        item(
                            new Expr.AggregateCall(
                                AggregateFunction.COUNT, Optional.empty(), false, Trees.P),
                            "orders"),
                        item(
                            new Expr.AggregateCall(
                                AggregateFunction.SUM,
                                Optional.of(field("amount")),
                                false,
                                Trees.P),
                            "revenue")),
                    List.of(item(field("country"))),
                    Trees.P)),
            Trees.P));
  }

  @Test
  void createOrReplaceViewWithOptions() {
    assertSameTree(
        parse(
            "CREATE OR REPLACE VIEW late WITH (lateness = INTERVAL 5 SECOND, emit = 'final', ratio"
                + " = 0.5, strict = TRUE, skew = -2) AS FROM orders"),
        new Statement.CreateView(
            name("late"),
            true,
            false,
            List.of(
                new Option(name("lateness"), interval(5, IntervalUnit.SECOND)),
                new Option(name("emit"), string("final")),
                new Option(name("ratio"), decimal("0.5")),
                new Option(name("strict"), bool(true)),
                new Option(name("skew"), integer(-2))),
            from("orders"),
            Trees.P));
  }

  @Test
  void createViewIfNotExists() {
    var view = (Statement.CreateView) parse("CREATE VIEW IF NOT EXISTS v AS FROM orders");
    assertThat(view.ifNotExists()).isTrue();
    assertThat(view.orReplace()).isFalse();
  }

  @Test
  void createIndexOnANamedSourceIsAPipelineWithoutOperators() {
    assertSameTree(
        parse("CREATE INDEX orders_by_customer ON orders (customer_id)"),
        new Statement.CreateIndex(
            name("orders_by_customer"),
            false,
            false,
            from("orders"),
            fields("customer_id"),
            Trees.P));
  }

  @Test
  void createIndexOnAPipelineWithTwoFields() {
    assertSameTree(
        parse(
            "CREATE OR REPLACE INDEX paid_by_customer ON (FROM orders |> WHERE paid) (customer_id,"
                + " _time)"),
        new Statement.CreateIndex(
            name("paid_by_customer"),
            true,
            false,
            from("orders", new PipeOp.Where(field("paid"), Trees.P)),
            fields("customer_id", "_time"),
            Trees.P));
  }

  @Test
  void createSearchIndexWithFacets() {
    assertSameTree(
        parse(
            "CREATE SEARCH INDEX product_search ON products (title, description) FACETS (category,"
                + " brand)"),
        new Statement.CreateSearchIndex(
            name("product_search"),
            false,
            false,
            from("products"),
            fields("title", "description"),
            fields("category", "brand"),
            Trees.P));
  }

  @Test
  void searchIndexFacetsAreOptional() {
    var search =
        (Statement.CreateSearchIndex)
            parse("CREATE OR REPLACE SEARCH INDEX s ON (FROM p |> LIMIT 5) (title)");
    assertThat(search.facets()).isEmpty();
    assertThat(search.orReplace()).isTrue();
  }

  @Test
  void createUniqueConstraint() {
    assertSameTree(
        parse("CREATE CONSTRAINT unique_username UNIQUE users (username)"),
        new Statement.CreateConstraint(
            name("unique_username"), false, name("users"), fields("username"), Trees.P));
    assertSameTree(
        parse("CREATE CONSTRAINT IF NOT EXISTS one_seat UNIQUE bookings (flight, seat)"),
        new Statement.CreateConstraint(
            name("one_seat"), true, name("bookings"), fields("flight", "seat"), Trees.P));
  }

  @ParameterizedTest
  @CsvSource({
    "DROP STREAM x, STREAM, false",
    "DROP TABLE x, TABLE, false",
    "drop view if exists x, VIEW, true",
    "DROP INDEX x, INDEX, false",
    "DROP SEARCH INDEX IF EXISTS x, SEARCH_INDEX, true",
    "DROP CONSTRAINT x, CONSTRAINT, false"
  })
  void dropNamesTheKindOfObject(String source, ObjectKind kind, boolean ifExists) {
    assertSameTree(parse(source), new Statement.Drop(kind, ifExists, name("x"), Trees.P));
  }

  @ParameterizedTest
  @CsvSource({
    "SHOW STREAMS, STREAM",
    "SHOW TABLES, TABLE",
    "show views, VIEW",
    "SHOW INDEXES, INDEX",
    "SHOW SEARCH INDEXES, SEARCH_INDEX",
    "SHOW CONSTRAINTS, CONSTRAINT"
  })
  void showListsAKindOfObject(String source, ObjectKind kind) {
    assertSameTree(parse(source), new Statement.Show(kind, Trees.P));
  }

  @Test
  void describeNamesTheObject() {
    assertSameTree(
        parse("DESCRIBE revenue_by_country"),
        new Statement.Describe(name("revenue_by_country"), Trees.P));
  }

  @Test
  void aPipelineAloneIsAnAdHocQuery() {
    assertSameTree(
        parse("FROM orders |> WHERE amount > 100 |> ORDER BY amount DESC |> LIMIT 10;"),
        new Statement.Query(
            from(
                "orders",
                new PipeOp.Where(binary(BinaryOperator.GT, field("amount"), integer(100)), Trees.P),
                new PipeOp.OrderBy(
                    List.of(new PipeOp.SortKey(field("amount"), PipeOp.SortOrder.DESC)), Trees.P),
                new PipeOp.Limit(10, Trees.P)),
            Trees.P));
  }

  @Test
  void keywordsAreCaseInsensitiveAndUnquotedNamesFoldToLowerCase() {
    assertSameTree(
        parse("create Stream Orders key Order_Id partitions 3"),
        parse("CREATE STREAM orders KEY order_id PARTITIONS 3"));
  }

  @Test
  void quotedNamesKeepWhatWasWritten() {
    var stream = (Statement.CreateStream) parse("CREATE STREAM \"Orders-v2\" KEY `Order Id`");
    assertThat(stream.name().value()).isEqualTo("Orders-v2");
    assertThat(stream.key().orElseThrow().path()).containsExactly("Order Id");
  }

  @Test
  void aReservedWordIsANameWhenQuoted() {
    assertSameTree(parse("DESCRIBE \"select\""), new Statement.Describe(name("select"), Trees.P));
  }

  @Test
  void statementsStartWhereTheirFirstWordIs() {
    var statements = Parser.parseScript("SHOW STREAMS;\n\n  DESCRIBE orders");
    assertThat(statements.get(1).pos()).hasToString("line 3, column 3");
    assertThat(((Statement.Describe) statements.get(1)).name().pos())
        .hasToString("line 3, column 12");
  }
}
