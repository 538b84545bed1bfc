package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The few statements the log needs before the pipe language exists:
 *
 * <pre>
 * CREATE STREAM|TABLE [IF NOT EXISTS] name [KEY field] [PARTITIONS n]
 * SHOW STREAMS
 * </pre>
 *
 * separated by {@code ;}. Keywords are case-insensitive; names are taken as written ({@code "…"}
 * quotes a field name that is not an identifier); {@code --} starts a comment. It is one class with
 * one entry point so that the language's parser can replace it whole.
 */
public final class Statements {

  public sealed interface Statement permits CreateStream, ShowStreams {}

  public record CreateStream(StreamSpec spec, boolean ifNotExists) implements Statement {}

  public record ShowStreams() implements Statement {}

  private static final int DEFAULT_PARTITIONS = 1;

  private final List<Lexeme> tokens;
  private int next;

  private Statements(String text) {
    this.tokens = Lexer.of(text);
  }

  /** Every statement of the text, or an {@link InputError} at the first thing that is wrong. */
  public static List<Statement> parse(String text) {
    return new Statements(text).script();
  }

  private List<Statement> script() {
    List<Statement> statements = new ArrayList<>();
    while (peek().kind() != Lexeme.Kind.END) {
      if (accept(";")) {
        continue;
      }
      statements.add(statement());
      if (peek().kind() != Lexeme.Kind.END && !accept(";")) {
        throw error(peek(), "expected ';' or the end after the statement");
      }
    }
    if (statements.isEmpty()) {
      throw error(peek(), "expected a statement (CREATE STREAM, CREATE TABLE or SHOW STREAMS)");
    }
    return statements;
  }

  private Statement statement() {
    Lexeme first = peek();
    if (accept("CREATE")) {
      return create();
    }
    if (accept("SHOW")) {
      expect("STREAMS", "expected STREAMS after SHOW");
      return new ShowStreams();
    }
    throw error(first, "expected a statement (CREATE STREAM, CREATE TABLE or SHOW STREAMS)");
  }

  private Statement create() {
    StreamKind kind;
    if (accept("STREAM")) {
      kind = StreamKind.STREAM;
    } else if (accept("TABLE")) {
      kind = StreamKind.TABLE;
    } else {
      throw error(peek(), "expected STREAM or TABLE after CREATE");
    }
    boolean ifNotExists = false;
    if (accept("IF")) {
      expect("NOT", "expected NOT EXISTS after IF");
      expect("EXISTS", "expected EXISTS after IF NOT");
      ifNotExists = true;
    }
    Lexeme name = name("expected a name after CREATE " + kind);
    Lexeme key = null;
    Lexeme partitions = null;
    while (true) {
      Lexeme option = peek();
      if (key == null && accept("KEY")) {
        key = name("expected a field name after KEY");
      } else if (partitions == null && accept("PARTITIONS")) {
        partitions = next();
        if (partitions.kind() != Lexeme.Kind.NUMBER) {
          throw error(partitions, "expected a number after PARTITIONS");
        }
      } else if (option.isWord("KEY") || option.isWord("PARTITIONS")) {
        throw error(option, option.text().toUpperCase(Locale.ROOT) + " is given twice");
      } else {
        break;
      }
    }
    return new CreateStream(spec(kind, name, key, partitions), ifNotExists);
  }

  private StreamSpec spec(StreamKind kind, Lexeme name, Lexeme key, Lexeme partitions) {
    int count = DEFAULT_PARTITIONS;
    if (partitions != null) {
      try {
        count = Integer.parseInt(partitions.text());
      } catch (NumberFormatException e) {
        throw new InputError(ErrorCode.INVALID_STATEMENT, 0, partitions.line(), partitions.column(),
            "PARTITIONS must be between 1 and " + StreamSpec.PARTITIONS_MAX + ", got " + partitions.text());
      }
    }
    try {
      return new StreamSpec(name.text(), kind, key == null ? null : key.text(), count);
    } catch (LogException e) {
      Lexeme at = e.code() == ErrorCode.INVALID_NAME || partitions == null ? name : partitions;
      throw new InputError(e.code(), 0, at.line(), at.column(), e.getMessage());
    }
  }

  private Lexeme name(String expected) {
    Lexeme token = next();
    if (token.kind() != Lexeme.Kind.WORD && token.kind() != Lexeme.Kind.QUOTED) {
      throw error(token, expected);
    }
    return token;
  }

  private void expect(String keyword, String message) {
    if (!accept(keyword)) {
      throw error(peek(), message);
    }
  }

  private boolean accept(String word) {
    if (peek().isWord(word) || (word.equals(";") && peek().kind() == Lexeme.Kind.SEMICOLON)) {
      next++;
      return true;
    }
    return false;
  }

  private Lexeme peek() {
    return tokens.get(next);
  }

  private Lexeme next() {
    Lexeme token = tokens.get(next);
    if (token.kind() != Lexeme.Kind.END) {
      next++;
    }
    return token;
  }

  private static InputError error(Lexeme at, String message) {
    return new InputError(ErrorCode.INVALID_STATEMENT, 0, at.line(), at.column(), message + ", found " + at.describe());
  }
}
