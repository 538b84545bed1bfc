package dev.sluice.language;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParseErrorTest {
  private static LanguageException error(String source) {
    return assertThrows(LanguageException.class, () -> Parser.parseScript(source));
  }

  @Test
  void whereWithoutExpressionNamesLineAndColumn() {
    var e = error("FROM orders\n  |> WHERE |> SELECT a");
    assertThat(e.code()).isEqualTo("syntax_error");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.column()).isEqualTo(12);
    assertThat(e.render())
        .isEqualTo(
            """
            line 2, column 12: expected an expression after WHERE, found '|>'
              |> WHERE |> SELECT a
                       ^\
            """);
  }

  @Test
  void errorsInALaterStatementCountLinesFromTheStartOfTheScript() {
    var e = error("CREATE STREAM orders;\nCREATE VIEW v AS\n  FROM orders\n  |> WHERE amount >");
    assertThat(e.line()).isEqualTo(4);
    assertThat(e.reason()).isEqualTo("expected an expression after '>', found end of input");
  }

  @Test
  void endOfInputIsReportedRightAfterTheLastToken() {
    var e = error("FROM orders |> WHERE   \n\n");
    assertThat(e.render())
        .isEqualTo(
            """
            line 1, column 21: expected an expression after WHERE, found end of input
            FROM orders |> WHERE  \s
                                ^\
            """);
  }

  @Test
  void caretCopiesTabsSoItLinesUp() {
    var e = error("FROM orders\n\t|>\tWHERE\t)");
    assertThat(e.render()).endsWith("\t|>\tWHERE\t)\n\t  \t     \t^");
  }

  @Test
  void misspelledPipeOperatorSuggestsTheKeyword() {
    var e = error("FROM orders |> SELEC a");
    assertThat(e.column()).isEqualTo(16);
    assertThat(e.hint()).contains("did you mean SELECT?");
    assertThat(e.getMessage()).endsWith("found 'SELEC' — did you mean SELECT?");
  }

  @Test
  void misspelledStatementKeywordSuggestsTheKeyword() {
    assertThat(error("CRATE STREAM s").hint()).contains("did you mean CREATE?");
    assertThat(error("CREATE STREM s").hint()).contains("did you mean STREAM?");
    assertThat(error("SHOW VEIWS").hint()).contains("did you mean VIEWS?");
    assertThat(error("FROM t |> ORDER BYY x").hint()).contains("did you mean BY?");
  }

  @Test
  void misspelledOperatorInsideAnExpressionSuggestsTheKeyword() {
    var e = error("FROM orders |> WHERE a = 1 ANDD b = 2");
    assertThat(e.reason()).isEqualTo("expected '|>', ';' or end of input, found 'ANDD'");
    assertThat(e.hint()).contains("did you mean AND?");
  }

  @Test
  void misspelledIntervalUnitSuggestsTheUnit() {
    var e = error("FROM t |> WINDOW TUMBLE(_time, INTERVAL 1 MINTUE)");
    assertThat(e.hint()).contains("did you mean MINUTE?");
  }

  @Test
  void unknownFunctionSuggestsTheClosestName() {
    var e = error("FROM t |> WHERE lowr(name) = 'x'");
    assertThat(e.code()).isEqualTo("unknown_function");
    assertThat(e.column()).isEqualTo(17);
    assertThat(e.reason()).isEqualTo("unknown function lowr");
    assertThat(e.hint()).contains("did you mean lower?");
  }

  @Test
  void unknownFunctionWithoutANearNameListsTheKnownOnes() {
    var e = error("FROM t |> SELECT frobnicate(x)");
    assertThat(e.hint())
        .hasValueSatisfying(
            hint -> assertThat(hint).startsWith("known functions: ").contains("coalesce"));
  }

  @Test
  void misspelledAggregateSuggestsTheAggregate() {
    assertThat(error("FROM t |> AGGREGATE cout(*)").hint()).contains("did you mean count?");
  }

  @Test
  void wrongNumberOfArgumentsSaysHowManyTheFunctionTakes() {
    var e = error("FROM t |> SELECT substr(name)");
    assertThat(e.code()).isEqualTo("wrong_argument_count");
    assertThat(e.reason()).isEqualTo("substr takes 2 or 3 arguments, found 1");
    assertThat(error("FROM t |> SELECT now(1)").reason())
        .isEqualTo("now takes 0 arguments, found 1");
    assertThat(error("FROM t |> SELECT coalesce()").reason())
        .isEqualTo("coalesce takes at least 1 argument, found 0");
    assertThat(error("FROM t |> AGGREGATE sum(a, b)").code()).isEqualTo("wrong_argument_count");
    assertThat(error("FROM t |> AGGREGATE count()").code()).isEqualTo("wrong_argument_count");
  }

  @Test
  void aggregateOutsideAggregateIsRefusedAtItsName() {
    var e = error("FROM t |> WHERE sum(amount) > 10");
    assertThat(e.code()).isEqualTo("invalid_aggregate");
    assertThat(e.column()).isEqualTo(17);
    assertThat(e.hint()).contains("aggregate with |> AGGREGATE sum(…)");
    assertThat(error("FROM t |> AGGREGATE count(*) GROUP BY max(x)").code())
        .isEqualTo("invalid_aggregate");
  }

  @Test
  void aggregatesDoNotNest() {
    var e = error("FROM t |> AGGREGATE sum(count(*))");
    assertThat(e.code()).isEqualTo("invalid_aggregate");
    assertThat(e.reason())
        .isEqualTo("aggregate functions cannot be nested: count inside another aggregate");
  }

  @Test
  void anAggregateItemWithoutAnAggregatePointsToGroupBy() {
    var e = error("FROM t |> AGGREGATE country, count(*)");
    assertThat(e.code()).isEqualTo("invalid_aggregate");
    assertThat(e.column()).isEqualTo(21);
    assertThat(e.hint()).contains("to group by country, write it after GROUP BY");
  }

  @Test
  void onlyCountTakesStarOrDistinct() {
    assertThat(error("FROM t |> AGGREGATE sum(*)").reason())
        .isEqualTo("* is only allowed in count(*)");
    assertThat(error("FROM t |> AGGREGATE count(DISTINCT *)").reason())
        .isEqualTo("* is only allowed in count(*)");
    assertThat(error("FROM t |> AGGREGATE max(DISTINCT a)").reason())
        .isEqualTo("only count takes DISTINCT");
  }

  @Test
  void hyphenatedNameExplainsHowToWriteIt() {
    var e = error("CREATE STREAM orders-v2 KEY id");
    assertThat(e.code()).isEqualTo("invalid_name");
    assertThat(e.column()).isEqualTo(15);
    assertThat(e.reason()).isEqualTo("a name cannot contain '-': orders-v2");
    assertThat(e.hint()).contains("quote it as \"orders-v2\" or write orders_v2");
    assertThat(error("FROM web-clicks-2024 |> LIMIT 1").reason())
        .isEqualTo("a name cannot contain '-': web-clicks-2024");
    assertThat(error("CREATE INDEX i ON t (customer-id)").code()).isEqualTo("invalid_name");
  }

  @Test
  void aSpacedMinusAfterANameIsNotPartOfIt() {
    assertThat(error("CREATE STREAM orders - v2").code()).isEqualTo("syntax_error");
  }

  @Test
  void reservedWordAsANameMustBeQuoted() {
    var e = error("CREATE STREAM select");
    assertThat(e.code()).isEqualTo("invalid_name");
    assertThat(e.reason()).isEqualTo("expected a stream name after STREAM, found keyword SELECT");
    assertThat(e.hint()).contains("to use a reserved word as a name, quote it: \"select\"");
  }

  @Test
  void namesOutsideAsciiMustBeQuoted() {
    var e = error("FROM t |> WHERE prénom = 'x'");
    assertThat(e.code()).isEqualTo("invalid_name");
    assertThat(e.column()).isEqualTo(17);
    assertThat(e.hint()).contains("quote it as \"prénom\"");
  }

  @Test
  void namesCannotStartWithADigit() {
    var e = error("CREATE STREAM 2fast");
    assertThat(e.code()).isEqualTo("invalid_name");
    assertThat(e.reason()).isEqualTo("a name cannot start with a digit: 2fast");
  }

  @Test
  void digitsGroupedWithUnderscoresAreExplained() {
    var e = error("FROM t |> LIMIT 1_000");
    assertThat(e.reason()).isEqualTo("digits cannot be grouped with _: 1_000");
    assertThat(e.hint()).contains("write 1000");
  }

  @Test
  void namesHaveALengthLimit() {
    assertThat(error("CREATE STREAM " + "a".repeat(129)).code()).isEqualTo("invalid_name");
    assertThat(Parser.parseScript("CREATE STREAM " + "a".repeat(128))).hasSize(1);
  }

  @Test
  void emptyQuotedNameIsRefused() {
    assertThat(error("DESCRIBE \"\"").code()).isEqualTo("invalid_name");
  }

  @Test
  void unterminatedStringPointsAtItsOpeningQuote() {
    var e = error("FROM t\n|> WHERE name = 'O''Brien\n|> LIMIT 1");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.column()).isEqualTo(17);
    assertThat(e.reason()).isEqualTo("string is never closed");
  }

  @Test
  void unterminatedCommentAndQuotedNamePointAtTheirStart() {
    var comment = error("SHOW STREAMS /* forgot");
    assertThat(comment.column()).isEqualTo(14);
    assertThat(comment.reason()).isEqualTo("comment is never closed");
    assertThat(error("DESCRIBE `open").reason()).isEqualTo("quoted name is never closed");
  }

  @Test
  void unknownEnvelopeFieldSuggestsTheRealOne() {
    var e = error("FROM t |> WHERE _tme > 0");
    assertThat(e.code()).isEqualTo("unknown_envelope_field");
    assertThat(e.hint()).contains("did you mean _time?");
  }

  @Test
  void comparisonsDoNotChain() {
    var e = error("FROM t |> WHERE 1 < a < 10");
    assertThat(e.column()).isEqualTo(23);
    assertThat(e.hint()).contains("combine them with AND, as in a < b AND b < c");
  }

  @Test
  void pipeOperatorWithoutPipeSaysToAddIt() {
    var e = error("FROM orders WHERE amount > 0");
    assertThat(e.reason()).isEqualTo("expected '|>', ';' or end of input, found keyword WHERE");
    assertThat(e.hint()).contains("each pipe operator follows |>, as in |> WHERE …");
  }

  @Test
  void pipeOperatorWithoutPipeInsideParenthesesSaysToAddIt() {
    var e = error("FROM a |> UNION ALL (FROM b LIMIT 3)");
    assertThat(e.reason())
        .isEqualTo(
            "expected '|>' or ')' to close the pipeline after UNION ALL, found keyword LIMIT");
    assertThat(e.hint()).contains("each pipe operator follows |>, as in |> LIMIT …");
  }

  @Test
  void sqlSelectFromExplainsThatPipelinesStartWithFrom() {
    var e = error("SELECT * FROM orders");
    assertThat(e.hint())
        .contains("a pipeline starts with its source, as in FROM orders |> SELECT …");
  }

  @Test
  void groupByOnItsOwnBelongsToAggregate() {
    var e = error("FROM t |> GROUP BY a");
    assertThat(e.hint()).contains("write |> AGGREGATE count(*) AS n GROUP BY …");
  }

  @Test
  void unionWithoutAllIsExplained() {
    var e = error("FROM a |> UNION (FROM b)");
    assertThat(e.reason()).isEqualTo("expected ALL after UNION, found '('");
    assertThat(e.hint())
        .hasValueSatisfying(hint -> assertThat(hint).startsWith("only UNION ALL exists"));
  }

  @Test
  void missingClosingParenthesisSaysWhichOneIsOpen() {
    var e = error("FROM t |> WHERE (a + 1");
    assertThat(e.reason())
        .isEqualTo("expected ')' to close the '(' at line 1, column 17, found end of input");
  }

  @Test
  void aClauseGivenTwiceIsRefused() {
    var e = error("CREATE STREAM s KEY a PARTITIONS 2 KEY b");
    assertThat(e.code()).isEqualTo("duplicate_clause");
    assertThat(e.column()).isEqualTo(36);
    assertThat(error("CREATE VIEW v WITH (a = 1, a = 2) AS FROM t").code())
        .isEqualTo("duplicate_clause");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"PARTITIONS 0", "PARTITIONS 2147483648", "PARTITIONS 99999999999999999999"})
  void partitionsMustBeAPositiveInt(String clause) {
    var e = error("CREATE STREAM s " + clause);
    assertThat(e.code()).isEqualTo("invalid_number");
    assertThat(e.column()).isEqualTo(28);
  }

  @Test
  void integersOutOfRangeSuggestADecimal() {
    var e = error("FROM t |> WHERE a = 9223372036854775808");
    assertThat(e.code()).isEqualTo("invalid_number");
    assertThat(e.hint()).contains("write 9223372036854775808.0 for a decimal");
    assertThat(error("FROM t |> LIMIT 9223372036854775808").code()).isEqualTo("invalid_number");
  }

  @Test
  void windowsMustBeLongerThanZero() {
    assertThat(error("FROM t |> WINDOW TUMBLE(_time, INTERVAL 0 SECONDS)").reason())
        .isEqualTo("window size must be longer than 0");
    assertThat(error("FROM t |> WINDOW HOP(_time, INTERVAL 1 MINUTE, INTERVAL 0 SECONDS)").reason())
        .isEqualTo("window advance must be longer than 0");
  }

  @Test
  void intervalsMustFitInMilliseconds() {
    assertThat(error("FROM t |> WHERE _time > INTERVAL 9223372036854775807 DAYS").code())
        .isEqualTo("invalid_number");
  }

  @Test
  void orReplaceAndIfNotExistsContradict() {
    var e = error("CREATE OR REPLACE VIEW IF NOT EXISTS v AS FROM t");
    assertThat(e.column()).isEqualTo(24);
    assertThat(e.reason()).isEqualTo("OR REPLACE and IF NOT EXISTS contradict each other");
  }

  @Test
  void streamsTablesAndConstraintsCannotBeReplaced() {
    assertThat(error("CREATE OR REPLACE STREAM s").reason())
        .startsWith("a stream cannot be replaced");
    assertThat(error("CREATE OR REPLACE CONSTRAINT c UNIQUE s (a)").column()).isEqualTo(8);
  }

  @Test
  void tablesCannotBeDerived() {
    var e = error("CREATE TABLE t KEY id AS FROM orders");
    assertThat(e.column()).isEqualTo(23);
    assertThat(e.hint()).hasValueSatisfying(hint -> assertThat(hint).contains("CREATE VIEW"));
  }

  @Test
  void extendNeedsANameForEachField() {
    var e = error("FROM t |> EXTEND a + 1");
    assertThat(e.reason())
        .isEqualTo("expected AS and the new field's name after the expression, found end of input");
  }

  @Test
  void doubleEqualsAndBarePipeAndBangAreExplained() {
    assertThat(error("FROM t |> WHERE a == 1").hint()).contains("compare with a single '='");
    assertThat(error("FROM t | WHERE a").hint()).contains("write |> to pipe or || to concatenate");
    assertThat(error("FROM t |> WHERE !a").hint())
        .contains("write != or <> for 'not equal', NOT to negate");
  }

  @Test
  void unexpectedCharactersAreNamedVisibly() {
    assertThat(error("FROM t |> WHERE a = $1").reason()).isEqualTo("unexpected character '$'");
    assertThat(error("FROM t |> WHERE a = \u0007").reason())
        .isEqualTo("unexpected character U+0007");
  }

  @Test
  void nestingDeeperThanTheLimitIsRefusedNotOverflowed() {
    var deep = "(".repeat(5_000) + "1" + ")".repeat(5_000);
    assertThat(error("FROM t |> WHERE " + deep).code()).isEqualTo("too_deeply_nested");
    assertThat(error("FROM t |> WHERE " + "NOT ".repeat(5_000) + "a").code())
        .isEqualTo("too_deeply_nested");
    assertThat(error("FROM t |> SELECT " + "- ".repeat(5_000) + "a").code())
        .isEqualTo("too_deeply_nested");
  }

  @Test
  void sensibleNestingIsAllowed() {
    var nested = "(".repeat(50) + "1" + ")".repeat(50);
    assertThat(Parser.parseScript("FROM t |> WHERE " + nested)).hasSize(1);
  }

  @Test
  void longTokensAreShortenedInMessages() {
    var e = error("FROM t |> WHERE a = 1 '" + "x".repeat(100) + "'");
    assertThat(e.reason())
        .isEqualTo("expected '|>', ';' or end of input, found string '" + "x".repeat(39) + "…");
  }
}
