package dev.sluice.language;

import static dev.sluice.language.Trees.assertSameTree;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.Statement;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Printing a tree gives source that parses back to the same tree: DESCRIBE can show any definition
 * as text, and the parser and printer agree on precedence, quoting and literals.
 */
class PrintedSourceProperties {
  @Property(tries = 500)
  void printedStatementsParseBackToTheSameTree(@ForAll("statements") Statement statement) {
    assertSameTree(Parser.parseStatement(statement.toSql()), statement);
  }

  @Property(tries = 500)
  void printedExpressionsParseBackToTheSameTree(@ForAll("expressions") Expr expr) {
    assertSameTree(Parser.parseExpression(expr.toSql()), expr);
  }

  @Property(tries = 100)
  void aScriptOfPrintedStatementsParsesBackInOrder(
      @ForAll("statementLists") List<Statement> statements) {
    var script = String.join(";\n", statements.stream().map(Statement::toSql).toList());
    assertSameTree(Parser.parseScript(script), statements);
  }

  @Property(tries = 200)
  void printingIsTheSameAfterARoundTrip(@ForAll("statements") Statement statement) {
    var printed = statement.toSql();
    assertThat(Parser.parseStatement(printed).toSql()).isEqualTo(printed);
  }

  @Provide
  Arbitrary<Statement> statements() {
    return SyntaxTreeArbitraries.statements();
  }

  @Provide
  Arbitrary<Expr> expressions() {
    return SyntaxTreeArbitraries.expressions();
  }

  @Provide
  Arbitrary<List<Statement>> statementLists() {
    return statements().list().ofMaxSize(5);
  }
}
