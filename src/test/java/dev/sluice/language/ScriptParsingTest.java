package dev.sluice.language;

import static dev.sluice.language.Trees.assertSameTree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.language.ast.Statement;
import org.junit.jupiter.api.Test;

class ScriptParsingTest {
  @Test
  void scriptSplitsOnSemicolonsWithTheLastOneOptional() {
    assertThat(Parser.parseScript("CREATE STREAM a; SHOW STREAMS")).hasSize(2);
    assertThat(Parser.parseScript("CREATE STREAM a; SHOW STREAMS;")).hasSize(2);
  }

  @Test
  void emptyStatementsAreSkipped() {
    assertThat(Parser.parseScript(";; CREATE STREAM a;;; SHOW STREAMS;;")).hasSize(2);
  }

  @Test
  void aScriptOfOnlyCommentsHasNoStatements() {
    assertThat(Parser.parseScript("")).isEmpty();
    assertThat(Parser.parseScript("  -- nothing yet\n/* still\nnothing */ ")).isEmpty();
  }

  @Test
  void commentsMayStandBetweenAnyTokens() {
    assertSameTree(
        Parser.parseStatement(
            "FROM /* the source */ orders -- all of it\n|> LIMIT /* rows */ 5 --"),
        Parser.parseStatement("FROM orders |> LIMIT 5"));
  }

  @Test
  void twoMinusesStartACommentEvenAfterAnOperator() {
    assertSameTree(
        Parser.parseStatement("FROM t |> SELECT a --b\n"),
        Parser.parseStatement("FROM t |> SELECT a"));
  }

  @Test
  void aSemicolonInsideAStringOrQuotedNameDoesNotEndTheStatement() {
    var statements =
        Parser.parseScript("FROM orders |> WHERE note = 'a;b' |> SELECT \"x;y\"; SHOW VIEWS");
    assertThat(statements).hasSize(2);
    assertThat(statements.get(1)).isInstanceOf(Statement.Show.class);
  }

  @Test
  void parseStatementRefusesASecondStatement() {
    assertThatThrownBy(() -> Parser.parseStatement("SHOW STREAMS; SHOW VIEWS"))
        .isInstanceOfSatisfying(
            LanguageException.class,
            e -> {
              assertThat(e.code()).isEqualTo("syntax_error");
              assertThat(e.column()).isEqualTo(15);
            });
  }

  @Test
  void parseStatementRefusesEmptyText() {
    assertThatThrownBy(() -> Parser.parseStatement("  "))
        .hasMessage(
            "line 1, column 1: expected a statement (CREATE, DROP, SHOW, DESCRIBE or FROM), found"
                + " end of input");
  }

  @Test
  void windowsLineEndingsCountAsOneLine() {
    var statements = Parser.parseScript("SHOW STREAMS;\r\nSHOW VIEWS;\rSHOW TABLES");
    assertThat(statements.get(1).pos()).hasToString("line 2, column 1");
    assertThat(statements.get(2).pos()).hasToString("line 3, column 1");
  }
}
