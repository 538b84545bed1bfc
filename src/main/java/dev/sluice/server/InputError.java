package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;

/**
 * A request rejected because of something at one place in its body: an event, or a statement.
 * Besides the message, the error response carries the place, so a client that sent many lines (the
 * CLI's {@code append}) can name its own input line rather than the request's.
 */
final class InputError extends LogException {
  private final int event;
  private final int line;
  private final int column;
  private final String detail;

  /** {@code event} is the 1-based number of the event in the request, or 0 when none is to blame. */
  InputError(ErrorCode code, int event, int line, int column, String detail) {
    super(code, where(event, line, column) + ": " + detail);
    this.event = event;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }

  private static String where(int event, int line, int column) {
    String at = "line " + line + ", column " + column;
    return event > 0 ? "event " + event + " (" + at + ")" : at;
  }

  int event() {
    return event;
  }

  int line() {
    return line;
  }

  int column() {
    return column;
  }

  /** The message without the location. */
  String detail() {
    return detail;
  }
}
