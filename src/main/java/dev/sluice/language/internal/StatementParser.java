package dev.sluice.language.internal;

import dev.sluice.language.ErrorCode;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.ObjectKind;
import dev.sluice.language.ast.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Statements and scripts; the entry point {@code dev.sluice.language.Parser} delegates to. */
public final class StatementParser {
  private static final String STATEMENTS = "a statement (CREATE, DROP, SHOW, DESCRIBE or FROM)";

  private final Cursor in;
  private final ExpressionParser expressions;
  private final PipelineParser pipelines;
  private final CreateParser creates;

  private StatementParser(String source) {
    this.in = new Cursor(source);
    this.expressions = new ExpressionParser(in);
    this.pipelines = new PipelineParser(in, expressions);
    this.creates = new CreateParser(in, expressions, pipelines);
  }

  /** Every statement of a {@code ;}-separated script; empty statements are skipped. */
  public static List<Statement> script(String source) {
    var parser = new StatementParser(source);
    var statements = new ArrayList<Statement>();
    while (true) {
      parser.skipSemicolons();
      if (parser.in.at(TokenKind.END_OF_INPUT)) {
        return statements;
      }
      statements.add(parser.statementWithEnd());
    }
  }

  /** Exactly one statement, with an optional trailing {@code ;}. */
  public static Statement single(String source) {
    var parser = new StatementParser(source);
    parser.skipSemicolons();
    var statement = parser.statementWithEnd();
    parser.skipSemicolons();
    if (!parser.in.at(TokenKind.END_OF_INPUT)) {
      throw parser.in.failHere("end of input after the first statement", List.of());
    }
    return statement;
  }

  /** One expression and nothing after it. */
  public static Expr expression(String source) {
    var parser = new StatementParser(source);
    var expr = parser.expressions.expression();
    if (!parser.in.at(TokenKind.END_OF_INPUT)) {
      throw parser.in.failHere("end of input after the expression", Keywords.ALL);
    }
    return expr;
  }

  private void skipSemicolons() {
    while (in.accept(TokenKind.SEMICOLON)) {
      // Empty statements are allowed, as in most SQL shells.
    }
  }

  private Statement statementWithEnd() {
    var statement = statement();
    if (in.accept(TokenKind.SEMICOLON) || in.at(TokenKind.END_OF_INPUT)) {
      return statement;
    }
    if (endsWithPipeline(statement)) {
      throw pipelines.unexpectedAfterPipeline("'|>', ';' or end of input");
    }
    throw in.failHere("';' or end of input", Keywords.ALL);
  }

  private static boolean endsWithPipeline(Statement statement) {
    return switch (statement) {
      case Statement.Query query -> true;
      case Statement.CreateView view -> true;
      case Statement.CreateStream stream -> stream.query().isPresent();
      default -> false;
    };
  }

  private Statement statement() {
    var start = in.peek();
    var word = start.kind() == TokenKind.WORD ? start.text() : "";
    return switch (word) {
      case "create" -> {
        in.advance();
        yield creates.create(start);
      }
      case "drop" -> {
        in.advance();
        yield drop(start);
      }
      case "show" -> {
        in.advance();
        yield show(start);
      }
      case "describe" -> {
        in.advance();
        yield new Statement.Describe(in.name("the name of what to describe"), start.pos());
      }
      case "from" -> new Statement.Query(pipelines.pipeline(), start.pos());
      case "select" ->
          throw in.error(
              start.pos(),
              ErrorCode.SYNTAX_ERROR,
              "expected " + STATEMENTS + ", found keyword SELECT",
              "a pipeline starts with its source, as in FROM orders |> SELECT …");
      case "insert", "update", "delete" ->
          throw in.error(
              start.pos(),
              ErrorCode.SYNTAX_ERROR,
              "expected " + STATEMENTS + ", found '" + start.raw() + "'",
              "data changes only by appending events to a stream (POST /streams/{s}/events)");
      default -> throw in.failHere(STATEMENTS, Keywords.STATEMENT_STARTS);
    };
  }

  private Statement drop(Token start) {
    var kind = objectKind();
    var ifExists = in.atWord("if") && in.peek(1).isWord("exists");
    if (ifExists) {
      in.advance();
      in.advance();
    }
    var name = in.name("the name of the " + kind.singular().toLowerCase(Locale.ROOT) + " to drop");
    return new Statement.Drop(kind, ifExists, name, start.pos());
  }

  private ObjectKind objectKind() {
    var token = in.peek();
    var kind =
        switch (token.kind() == TokenKind.WORD ? token.text() : "") {
          case "stream" -> ObjectKind.STREAM;
          case "table" -> ObjectKind.TABLE;
          case "view" -> ObjectKind.VIEW;
          case "index" -> ObjectKind.INDEX;
          case "search" -> ObjectKind.SEARCH_INDEX;
          case "constraint" -> ObjectKind.CONSTRAINT;
          default -> throw in.failHere(CreateParser.CREATABLE + " after DROP", Keywords.CREATABLE);
        };
    in.advance();
    if (kind == ObjectKind.SEARCH_INDEX) {
      in.expectWord("index");
    }
    return kind;
  }

  private Statement show(Token start) {
    var token = in.peek();
    var kind =
        switch (token.kind() == TokenKind.WORD ? token.text() : "") {
          case "streams" -> ObjectKind.STREAM;
          case "tables" -> ObjectKind.TABLE;
          case "views" -> ObjectKind.VIEW;
          case "indexes" -> ObjectKind.INDEX;
          case "search" -> ObjectKind.SEARCH_INDEX;
          case "constraints" -> ObjectKind.CONSTRAINT;
          default ->
              throw in.failHere(
                  "STREAMS, TABLES, VIEWS, INDEXES, SEARCH INDEXES or CONSTRAINTS after SHOW",
                  List.of("STREAMS", "TABLES", "VIEWS", "INDEXES", "SEARCH", "CONSTRAINTS"));
        };
    in.advance();
    if (kind == ObjectKind.SEARCH_INDEX) {
      in.expectWord("indexes");
    }
    return new Statement.Show(kind, start.pos());
  }
}
