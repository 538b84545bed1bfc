package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.Expr;
import dev.sluice.operators.internal.expr.Eval;
import dev.sluice.operators.internal.expr.EvalError;
import dev.sluice.operators.internal.expr.ExprCompiler;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExpressionTest {
  private static final ExprCompiler.Scope FIELDS =
      new ExprCompiler.Scope() {
        @Override
        public Eval field(Expr.Field field) {
          return field.path().getFirst().startsWith("_")
              ? ExprCompiler.envelope(field.path().getFirst())
              : ExprCompiler.path(field.path());
        }

        @Override
        public Eval aggregate(Expr.AggregateCall call) {
          throw new AssertionError("no aggregates here");
        }

        @Override
        public Eval now(Expr.Call call) {
          return row -> new Timestamp(0);
        }
      };

  private static final Row ROW =
      Row.fromJson(
          "{\"i\": 7, \"d\": 2.50, \"s\": \"abc\", \"n\": null, \"t\": true, \"f\": false, \"o\": {\"p\": [1, 2]}}"
              .getBytes(StandardCharsets.UTF_8),
          new Envelope("k", "id", 90_061_001L, 0, 5, List.of()));

  private static Object eval(String expression) {
    return ExprCompiler.compile(Parser.parseExpression(expression), FIELDS).eval(ROW);
  }

  /** Each row: an expression, and what it gives written as an expression (or 'null'). */
  @ParameterizedTest
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '"',
      value = {
        "NULL AND FALSE => FALSE",
        "NULL AND TRUE => NULL",
        "NULL OR TRUE => TRUE",
        "NULL OR FALSE => NULL",
        "NOT NULL => NULL",
        "n = n => NULL",
        "n IS NULL => TRUE",
        "missing IS NOT NULL => FALSE",
        "i IN (1, 7) => TRUE",
        "i IN (1, NULL) => NULL",
        "i NOT IN (1, 2) => TRUE",
        "i BETWEEN 1 AND 7 => TRUE",
        "i BETWEEN n AND 3 => FALSE",
        "i BETWEEN n AND 9 => NULL",
        "7 / 2 => 3",
        "-7 / 2 => -3",
        "7 % 3 => 1",
        "7.0 / 2 => 3.5",
        "i + d => 9.50",
        "i * d => 17.50",
        "i = 7.0 => TRUE",
        "d > i => FALSE",
        "i + n => NULL",
        "s || 1 || t => 'abc1true'",
        "s || n => NULL",
        "'a' < 'b' => TRUE",
        "s LIKE 'a%' => TRUE",
        "s LIKE '_b_' => TRUE",
        "s LIKE 'b%' => FALSE",
        "'50%' LIKE '50\\%' => TRUE",
        "s NOT LIKE '%c' => FALSE",
        "CASE WHEN i > 5 THEN 'big' ELSE 'small' END => 'big'",
        "CASE i WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END => 'seven'",
        "CASE WHEN n THEN 1 END => NULL",
        "coalesce(n, missing, i) => 7",
        "nullif(i, 7) => NULL",
        "concat(s, n, i) => 'abc7'",
        "upper(s) => 'ABC'",
        "length('héllo') => 5",
        "substr('hello', 2, 3) => 'ell'",
        "substr('hello', 0, 2) => 'h'",
        "substr('hello', 4) => 'lo'",
        "trim('  x ') => 'x'",
        "replace('a-b-c', '-', '+') => 'a+b+c'",
        "abs(-3) => 3",
        "round(2.345, 2) => 2.35",
        "round(1250, -2) => 1300",
        "floor(-2.5) => -3",
        "ceil(2.1) => 3",
        "o.p IS NULL => FALSE",
        "o.q.r IS NULL => TRUE",
        "_key => 'k'",
        "_offset => 5",
        "date_part('hour', _time) => 1",
        "date_part('minute', '2024-05-01T10:42:00Z') => 42",
        "_time > '1970-01-01T00:00:00Z' => TRUE",
        "_time - INTERVAL 1 DAY < '1970-01-01T01:01:02Z' => TRUE",
      })
  void evaluatesAsSqlDoes(String expression, String expected) {
    var want = eval(expected);
    var got = eval(expression);
    if (want instanceof Number w && got instanceof Number g) {
      assertThat(new BigDecimal(g.toString())).isEqualByComparingTo(new BigDecimal(w.toString()));
    } else {
      assertThat(got).isEqualTo(want);
    }
  }

  @Test
  void timestampsTruncateInUtcAndIntervalsAddUp() {
    assertThat(eval("date_trunc('day', _time)")).isEqualTo(new Timestamp(86_400_000L));
    assertThat(eval("_time + INTERVAL 1 SECOND")).isEqualTo(new Timestamp(90_062_001L));
    assertThat(eval("(_time + INTERVAL 2 HOURS) - _time")).isEqualTo(new Interval(7_200_000L));
    assertThat(eval("date_trunc('month', '2024-05-17')").toString())
        .isEqualTo("2024-05-01T00:00:00Z");
  }

  @Test
  void integerOverflowIsAnErrorNotAWrapAround() {
    assertThatThrownBy(() -> eval("9223372036854775807 + 1"))
        .isInstanceOf(EvalError.class)
        .hasMessage("integer overflow in +");
  }

  @ParameterizedTest
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '"',
      value = {
        "'abc' + 1 => cannot apply + to string and integer",
        "i / 0 => division by zero",
        "s > 1 => cannot compare string with integer",
        "i AND t => AND needs a boolean, got integer",
        "upper(i) => upper needs a string, got integer",
        "date_trunc('fortnight', _time) => date_trunc does not know unit 'fortnight'; use"
            + " millisecond, second, minute, hour, day, week, month or year",
        "_time < 'tomorrow' => 'tomorrow' is not an ISO-8601 timestamp",
      })
  void typeErrorsNameTheTypesAndWhere(String expression, String message) {
    assertThatThrownBy(() -> eval(expression)).isInstanceOf(EvalError.class).hasMessage(message);
  }

  @Test
  void aRuntimeErrorInAViewIsADeadLetterNotAFailure() {
    var v = new ViewHarness("FROM orders |> WHERE amount + 1 > 2", ViewHarness.shop());
    v.append("orders", "o1", "{'amount': 'abc'}");
    v.append("orders", "o2", "{'amount': 5}");
    assertThat(v.view).hasSize(1);
    assertThat(v.deadLetters)
        .singleElement()
        .isEqualTo(new DeadLetter("orders", 0, 0, "cannot apply + to string and integer", 1, 29));
  }

  @Test
  void aFieldComparedWithTextOverSlotsGivesWhatTheExpressionGivesOverTheRow() {
    // Strings are compared as they are, everything else as the comparison does: the same values
    // and the same errors.
    var expressions = List.of("s = 'abc'", "s <> 'abc'", "'abc' = s", "'abc' <> s", "s = ''", "s = 'ab'");
    var values = List.of("\"abc\"", "\"ab\"", "\"\"", "\"ABC\"", "null", "7", "2.50", "true", "[1]", "{\"a\": 1}", "\"é\"");
    for (var expression : expressions) {
      var compiled = ExprCompiler.compile(Parser.parseExpression(expression), FIELDS);
      var overSlots = dev.sluice.operators.internal.expr.SlotEval.of(compiled, name -> name.equals("s") ? 0 : -1);
      assertThat(overSlots).as(expression).isNotNull();
      for (var value : values) {
        var row = Row.fromJson(("{\"s\": " + value + "}").getBytes(StandardCharsets.UTF_8), null);
        Object expected;
        try {
          expected = compiled.eval(row);
        } catch (EvalError e) {
          assertThatThrownBy(() -> overSlots.eval(new Object[] {row.get("s")})).as(expression + " with " + value)
              .isInstanceOf(EvalError.class).hasMessage(e.getMessage());
          continue;
        }
        assertThat(overSlots.eval(new Object[] {row.get("s")})).as(expression + " with " + value).isEqualTo(expected);
      }
    }
  }
}
