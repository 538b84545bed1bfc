package dev.sluice.language;

import static dev.sluice.language.Trees.assertSameTree;
import static dev.sluice.language.Trees.binary;
import static dev.sluice.language.Trees.bool;
import static dev.sluice.language.Trees.call;
import static dev.sluice.language.Trees.decimal;
import static dev.sluice.language.Trees.field;
import static dev.sluice.language.Trees.integer;
import static dev.sluice.language.Trees.interval;
import static dev.sluice.language.Trees.negate;
import static dev.sluice.language.Trees.not;
import static dev.sluice.language.Trees.string;
import static dev.sluice.language.ast.BinaryOperator.ADD;
import static dev.sluice.language.ast.BinaryOperator.AND;
import static dev.sluice.language.ast.BinaryOperator.CONCAT;
import static dev.sluice.language.ast.BinaryOperator.DIVIDE;
import static dev.sluice.language.ast.BinaryOperator.EQ;
import static dev.sluice.language.ast.BinaryOperator.GE;
import static dev.sluice.language.ast.BinaryOperator.GT;
import static dev.sluice.language.ast.BinaryOperator.LE;
import static dev.sluice.language.ast.BinaryOperator.LT;
import static dev.sluice.language.ast.BinaryOperator.MODULO;
import static dev.sluice.language.ast.BinaryOperator.MULTIPLY;
import static dev.sluice.language.ast.BinaryOperator.NE;
import static dev.sluice.language.ast.BinaryOperator.OR;
import static dev.sluice.language.ast.BinaryOperator.SUBTRACT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.IntervalUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExpressionParsingTest {
  private static Expr parse(String source) {
    return Parser.parseExpression(source);
  }

  @Test
  void literalsHaveTheirJavaTypes() {
    assertSameTree(parse("NULL"), new Expr.NullLiteral(Trees.P));
    assertSameTree(parse("true"), bool(true));
    assertSameTree(parse("FALSE"), bool(false));
    assertSameTree(parse("42"), integer(42));
    assertSameTree(parse("9223372036854775807"), integer(Long.MAX_VALUE));
    assertSameTree(parse("-9223372036854775808"), integer(Long.MIN_VALUE));
    assertSameTree(parse("'it''s'"), string("it's"));
  }

  @Test
  void decimalsKeepTheirScale() {
    var literal = (Expr.DecimalLiteral) parse("1.50");
    assertThat(literal.value()).hasToString("1.50");
    assertSameTree(parse("-0.25"), decimal("-0.25"));
  }

  @ParameterizedTest
  @CsvSource({
    "INTERVAL 5 MILLISECOND, 5, MILLISECOND",
    "interval 250 milliseconds, 250, MILLISECOND",
    "INTERVAL 1 SECOND, 1, SECOND",
    "INTERVAL 30 SECONDS, 30, SECOND",
    "INTERVAL 1 MINUTE, 1, MINUTE",
    "INTERVAL 15 MINUTES, 15, MINUTE",
    "INTERVAL 1 HOUR, 1, HOUR",
    "INTERVAL 2 hours, 2, HOUR",
    "INTERVAL 1 DAY, 1, DAY",
    "INTERVAL 7 DAYS, 7, DAY"
  })
  void intervalUnitsAreSingularOrPlural(String source, long amount, IntervalUnit unit) {
    assertSameTree(parse(source), interval(amount, unit));
  }

  @Test
  void fieldPathsAreDottedAndFoldedToLowerCase() {
    assertSameTree(parse("Customer.Address.City"), field("customer", "address", "city"));
  }

  @Test
  void quotedNamesKeepCaseSpacesAndQuotes() {
    assertSameTree(
        parse("\"Order Lines\".`a``b`.\"say \"\"hi\"\"\""),
        field("Order Lines", "a`b", "say \"hi\""));
  }

  @Test
  void reservedWordsMayFollowADot() {
    assertSameTree(parse("payload.from"), field("payload", "from"));
  }

  @ParameterizedTest
  @CsvSource({"_key", "_time", "_id", "_partition", "_offset", "_causes"})
  void envelopeFieldsAreFields(String envelope) {
    assertSameTree(parse(envelope), field(envelope));
  }

  @Test
  void orBindsLoosestThenAndThenNotThenComparisonThenArithmetic() {
    assertSameTree(
        parse("a OR b AND NOT c = d + e * f"),
        binary(
            OR,
            field("a"),
            binary(
                AND,
                field("b"),
                not(
                    binary(
                        EQ,
                        field("c"),
                        binary(ADD, field("d"), binary(MULTIPLY, field("e"), field("f"))))))));
  }

  @Test
  void arithmeticIsLeftAssociative() {
    assertSameTree(
        parse("a - b - c"), binary(SUBTRACT, binary(SUBTRACT, field("a"), field("b")), field("c")));
    assertSameTree(
        parse("a / b * c % d"),
        binary(
            MODULO,
            binary(MULTIPLY, binary(DIVIDE, field("a"), field("b")), field("c")),
            field("d")));
  }

  @Test
  void andAndOrAreLeftAssociative() {
    assertSameTree(
        parse("a AND b AND c"), binary(AND, binary(AND, field("a"), field("b")), field("c")));
    assertSameTree(
        parse("a OR b OR c"), binary(OR, binary(OR, field("a"), field("b")), field("c")));
  }

  @Test
  void concatenationBindsLooserThanAdditionAndTighterThanComparison() {
    assertSameTree(
        parse("a || b + 1 = c"),
        binary(EQ, binary(CONCAT, field("a"), binary(ADD, field("b"), integer(1))), field("c")));
  }

  @Test
  void parenthesesOverridePrecedence() {
    assertSameTree(
        parse("(a + b) * c"), binary(MULTIPLY, binary(ADD, field("a"), field("b")), field("c")));
    assertSameTree(
        parse("(a OR b) AND c"), binary(AND, binary(OR, field("a"), field("b")), field("c")));
  }

  @ParameterizedTest
  @CsvSource({"=", "!=", "<>", "<", "<=", ">", ">="})
  void everyComparisonOperatorParses(String symbol) {
    var expected =
        switch (symbol) {
          case "=" -> EQ;
          case "!=", "<>" -> NE;
          case "<" -> LT;
          case "<=" -> LE;
          case ">" -> GT;
          default -> GE;
        };
    assertSameTree(parse("a " + symbol + " 1"), binary(expected, field("a"), integer(1)));
  }

  @Test
  void notAppliesToTheWholeComparison() {
    assertSameTree(parse("NOT a = b"), not(binary(EQ, field("a"), field("b"))));
    assertSameTree(parse("NOT NOT a"), not(not(field("a"))));
  }

  @Test
  void unaryMinusNegatesExpressionsAndSignsNumbers() {
    assertSameTree(parse("-x"), negate(field("x")));
    assertSameTree(parse("-(a + b)"), negate(binary(ADD, field("a"), field("b"))));
    assertSameTree(parse("- -x"), negate(negate(field("x"))));
    assertSameTree(parse("a - -5"), binary(SUBTRACT, field("a"), integer(-5)));
    assertSameTree(parse("-x * 2"), binary(MULTIPLY, negate(field("x")), integer(2)));
  }

  @Test
  void inAndNotInTakeAList() {
    assertSameTree(
        parse("status IN ('paid', 'shipped')"),
        new Expr.In(field("status"), List.of(string("paid"), string("shipped")), false, Trees.P));
    assertSameTree(
        parse("n NOT IN (1)"), new Expr.In(field("n"), List.of(integer(1)), true, Trees.P));
  }

  @Test
  void likeAndNotLike() {
    assertSameTree(
        parse("name LIKE 'A%'"), new Expr.Like(field("name"), string("A%"), false, Trees.P));
    assertSameTree(
        parse("name NOT LIKE 'A%'"), new Expr.Like(field("name"), string("A%"), true, Trees.P));
  }

  @Test
  void isNullAndIsNotNullBindLooserThanComparison() {
    assertSameTree(parse("a IS NULL"), new Expr.IsNull(field("a"), false, Trees.P));
    assertSameTree(
        parse("a = b IS NOT NULL"),
        new Expr.IsNull(binary(EQ, field("a"), field("b")), true, Trees.P));
  }

  @Test
  void betweenTakesItsOwnAndBeforeLogicalAnd() {
    assertSameTree(
        parse("a BETWEEN 1 AND 2 AND b"),
        binary(
            AND, new Expr.Between(field("a"), integer(1), integer(2), false, Trees.P), field("b")));
    assertSameTree(
        parse("a NOT BETWEEN x - 1 AND x + 1"),
        new Expr.Between(
            field("a"),
            binary(SUBTRACT, field("x"), integer(1)),
            binary(ADD, field("x"), integer(1)),
            true,
            Trees.P));
  }

  @Test
  void searchedCase() {
    assertSameTree(
        parse("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END"),
        new Expr.Case(
            Optional.empty(),
            List.of(
                new Expr.When(binary(GT, field("a"), integer(1)), string("big"), Trees.P),
                new Expr.When(binary(GT, field("a"), integer(0)), string("small"), Trees.P)),
            Optional.of(string("none")),
            Trees.P));
  }

  @Test
  void simpleCaseComparesItsOperand() {
    assertSameTree(
        parse("case status when 'paid' then 1 end"),
        new Expr.Case(
            Optional.of(field("status")),
            List.of(new Expr.When(string("paid"), integer(1), Trees.P)),
            Optional.empty(),
            Trees.P));
  }

  @Test
  void functionCallsRecordNameAndArguments() {
    assertSameTree(
        parse("COALESCE(a, b, 'x')"), call("coalesce", field("a"), field("b"), string("x")));
    assertSameTree(parse("now()"), call("now"));
    assertSameTree(
        parse("date_trunc('minute', _time)"), call("date_trunc", string("minute"), field("_time")));
    assertSameTree(
        parse("substr(lower(name), 1, 3)"),
        call("substr", call("lower", field("name")), integer(1), integer(3)));
  }

  @Test
  void nonReservedKeywordsAreOrdinaryFieldNames() {
    assertSameTree(
        parse("key + count + window + partitions"),
        binary(
            ADD,
            binary(ADD, binary(ADD, field("key"), field("count")), field("window")),
            field("partitions")));
  }

  @Test
  void positionsPointAtEachNodesFirstCharacterOrOperator() {
    var expr = (Expr.Binary) parse("price *\n  quantity");
    assertThat(expr.pos()).hasToString("line 1, column 7");
    assertThat(expr.left().pos()).hasToString("line 1, column 1");
    assertThat(expr.right().pos()).hasToString("line 2, column 3");
  }
}
