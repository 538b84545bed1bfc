package dev.sluice.language;

import dev.sluice.language.ast.Position;
import java.util.Objects;
import java.util.Optional;

/**
 * A statement refused at a place in its source. It carries the offending line so that it can be
 * rendered with a caret long after the source text is gone.
 */
public final class LanguageException extends RuntimeException {
  private final ErrorCode code;
  private final Position position;
  private final String reason;
  private final String hint;
  private final String sourceLine;

  private LanguageException(
      ErrorCode code, Position position, String reason, String hint, String sourceLine) {
    super(position + ": " + reason + (hint == null ? "" : " — " + hint));
    this.code = code;
    this.position = position;
    this.reason = reason;
    this.hint = hint;
    this.sourceLine = sourceLine;
  }

  /**
   * An error at {@code position} of {@code source}.
   *
   * @param hint what to do about it, or null when there is nothing useful to add
   */
  public static LanguageException at(
      String source, Position position, ErrorCode code, String reason, String hint) {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(reason, "reason");
    return new LanguageException(code, position, reason, hint, lineOf(source, position.line()));
  }

  /** The stable id of {@link #errorCode()}, e.g. {@code syntax_error}. */
  public String code() {
    return code.id();
  }

  public ErrorCode errorCode() {
    return code;
  }

  public Position position() {
    return position;
  }

  public int line() {
    return position.line();
  }

  public int column() {
    return position.column();
  }

  /** What is wrong, without position or hint: "expected …, found …". */
  public String reason() {
    return reason;
  }

  public Optional<String> hint() {
    return Optional.ofNullable(hint);
  }

  /** The message, then the offending source line, then a caret under the column. */
  public String render() {
    var caret = new StringBuilder();
    for (var i = 0; i < position.column() - 1; i++) {
      // Copy tabs so the caret lines up however wide the terminal draws them.
      caret.append(i < sourceLine.length() && sourceLine.charAt(i) == '\t' ? '\t' : ' ');
    }
    return getMessage() + "\n" + sourceLine + "\n" + caret + "^";
  }

  private static String lineOf(String source, int line) {
    var current = 1;
    var start = 0;
    for (var i = 0; i < source.length() && current < line; i++) {
      var c = source.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 == source.length() || source.charAt(i + 1) != '\n'))) {
        current++;
        start = i + 1;
      }
    }
    if (current < line) {
      return "";
    }
    var end = start;
    while (end < source.length() && source.charAt(end) != '\n' && source.charAt(end) != '\r') {
      end++;
    }
    return source.substring(start, end);
  }
}
