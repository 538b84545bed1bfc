package dev.sluice.language;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.ast.Identifiers;
import org.junit.jupiter.api.Test;

class PrintingTest {
  private static String reprinted(String source) {
    return Parser.parseStatement(source).toSql();
  }

  private static String reprintedExpression(String source) {
    return Parser.parseExpression(source).toSql();
  }

  @Test
  void viewsPrintWithOneOperatorPerLineAndUpperCaseKeywords() {
    assertThat(
            reprinted(
                "create or replace view revenue as from orders |> where status = 'paid'"
                    + " |> join customers using (customer_id)"
                    + " |> aggregate count(*) as n, sum(amount) as revenue group by country"))
        .isEqualTo(
            """
            CREATE OR REPLACE VIEW revenue AS
            FROM orders
            |> WHERE status = 'paid'
            |> JOIN customers USING (customer_id)
            |> AGGREGATE count(*) AS n, sum(amount) AS revenue GROUP BY country\
            """);
  }

  @Test
  void optionalClausesPrintInAFixedOrder() {
    assertThat(reprinted("CREATE STREAM s WITH (a = 1) PARTITIONS 4 KEY id"))
        .isEqualTo("CREATE STREAM s KEY id PARTITIONS 4 WITH (a = 1)");
  }

  @Test
  void parenthesesAppearOnlyWherePrecedenceNeedsThem() {
    assertThat(reprintedExpression("((a + b)) * (c)")).isEqualTo("(a + b) * c");
    assertThat(reprintedExpression("a + (b * c)")).isEqualTo("a + b * c");
    assertThat(reprintedExpression("a - (b - c)")).isEqualTo("a - (b - c)");
    assertThat(reprintedExpression("(NOT a) = b")).isEqualTo("(NOT a) = b");
    assertThat(reprintedExpression("(a = b) = c")).isEqualTo("(a = b) = c");
  }

  @Test
  void negationsOfNumbersKeepTheirParentheses() {
    assertThat(reprintedExpression("-(5)")).isEqualTo("-(5)");
    assertThat(reprintedExpression("-5")).isEqualTo("-5");
    assertThat(reprintedExpression("- -x")).isEqualTo("-(-x)");
  }

  @Test
  void literalsPrintAsTheyParse() {
    assertThat(reprintedExpression("'it''s' || 1.50 || interval 2 hours || null || true"))
        .isEqualTo("'it''s' || 1.50 || INTERVAL 2 HOUR || NULL || TRUE");
  }

  @Test
  void namesAreQuotedOnlyWhenTheyMustBe() {
    assertThat(Identifiers.toSql("orders")).isEqualTo("orders");
    assertThat(Identifiers.toSql("_key")).isEqualTo("_key");
    assertThat(Identifiers.toSql("window")).isEqualTo("window");
    assertThat(Identifiers.toSql("select")).isEqualTo("\"select\"");
    assertThat(Identifiers.toSql("Orders")).isEqualTo("\"Orders\"");
    assertThat(Identifiers.toSql("orders-v2")).isEqualTo("\"orders-v2\"");
    assertThat(Identifiers.toSql("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
  }
}
