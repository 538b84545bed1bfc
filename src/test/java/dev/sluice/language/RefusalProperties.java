package dev.sluice.language;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.ast.Statement;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever text arrives, the parser answers with a tree or a LanguageException that points inside
 * the text — never another exception, which the server would have to turn into a 500.
 */
class RefusalProperties {
  @Property(tries = 2000)
  void tokenSoupIsParsedOrRefusedWithAPosition(@ForAll("tokenSoup") String text) {
    parsedOrRefusedInside(text);
  }

  @Property(tries = 500)
  void arbitraryTextIsParsedOrRefusedWithAPosition(@ForAll String text) {
    parsedOrRefusedInside(text);
  }

  @Property(tries = 200)
  void truncatedStatementsAreParsedOrRefusedWithAPosition(
      @ForAll("statements") Statement statement, @ForAll @IntRange(min = 0, max = 1000) int cut) {
    var source = statement.toSql();
    parsedOrRefusedInside(source.substring(0, Math.min(cut, source.length())));
  }

  private static void parsedOrRefusedInside(String text) {
    try {
      Parser.parseScript(text);
    } catch (LanguageException e) {
      var lines = text.split("\r\n|\r|\n", -1).length;
      assertThat(e.line()).isBetween(1, lines);
      assertThat(e.render()).startsWith(e.getMessage()).endsWith("^");
      assertThat(e.code()).matches("[a-z_]+");
    }
  }

  @Provide
  Arbitrary<Statement> statements() {
    return SyntaxTreeArbitraries.statements();
  }

  @Provide
  Arbitrary<String> tokenSoup() {
    return Arbitraries.of(
            "FROM",
            "|>",
            "WHERE",
            "SELECT",
            "EXTEND",
            "AGGREGATE",
            "GROUP",
            "BY",
            "AS",
            "(",
            ")",
            ",",
            ";",
            ".",
            "a",
            "b.c",
            "_key",
            "_nope",
            "'s'",
            "'",
            "\"q\"",
            "\"",
            "`",
            "1",
            "2.5",
            "99999999999999999999",
            "-",
            "+",
            "*",
            "/",
            "%",
            "=",
            "<>",
            "<",
            ">=",
            "||",
            "|",
            "!",
            "AND",
            "OR",
            "NOT",
            "IN",
            "LIKE",
            "BETWEEN",
            "IS",
            "NULL",
            "TRUE",
            "CASE",
            "WHEN",
            "THEN",
            "ELSE",
            "END",
            "count",
            "sum",
            "lower",
            "substr",
            "DISTINCT",
            "INTERVAL",
            "SECOND",
            "DAYS",
            "WINDOW",
            "TUMBLE",
            "HOP",
            "JOIN",
            "LEFT",
            "USING",
            "ON",
            "UNION",
            "ALL",
            "ORDER",
            "DESC",
            "LIMIT",
            "CREATE",
            "OR",
            "REPLACE",
            "STREAM",
            "TABLE",
            "VIEW",
            "INDEX",
            "SEARCH",
            "FACETS",
            "CONSTRAINT",
            "UNIQUE",
            "KEY",
            "PARTITIONS",
            "WITH",
            "IF",
            "EXISTS",
            "DROP",
            "SHOW",
            "STREAMS",
            "DESCRIBE",
            "\n",
            "\r\n",
            "\t",
            "--c\n",
            "/*",
            "*/",
            "é",
            "orders-v2")
        .list()
        .ofMaxSize(40)
        .map(tokens -> String.join(" ", tokens));
  }
}
