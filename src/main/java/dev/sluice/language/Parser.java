package dev.sluice.language;

import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.Statement;
import dev.sluice.language.internal.StatementParser;
import java.util.List;

/**
 * Turns the text of the language into syntax trees. It checks form only — grammar, names, function
 * arity, where aggregates may appear — and leaves meaning (does this stream exist?) to the planner.
 * Every method throws {@link LanguageException} for text it refuses, and nothing else.
 */
public final class Parser {
  private Parser() {}

  /** The statements of a script separated by {@code ;}; a trailing {@code ;} is optional. */
  public static List<Statement> parseScript(String source) {
    return StatementParser.script(source);
  }

  /** Exactly one statement, as in a single {@code ./sluice query} argument. */
  public static Statement parseStatement(String source) {
    return StatementParser.single(source);
  }

  /** One expression, e.g. a filter given on its own. Aggregates are not allowed in it. */
  public static Expr parseExpression(String source) {
    return StatementParser.expression(source);
  }
}
