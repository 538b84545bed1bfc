package dev.sluice.operators.internal.expr;

import dev.sluice.language.ast.Position;
import dev.sluice.operators.Timestamp;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Reading timestamps from strings, which is how JSON events carry them. */
public final class Times {
  private Times() {}

  /**
   * ISO-8601: an instant ({@code 2024-05-01T12:00:00Z}), with an offset ({@code …+02:00}), or a
   * date or local date-time taken as UTC.
   */
  public static Timestamp parse(String text, Position pos) {
    try {
      if (text.length() == 10) {
        return of(LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC));
      }
      var last = text.charAt(text.length() - 1);
      if (last == 'Z' || last == 'z') {
        return of(Instant.parse(text));
      }
      if (text.length() > 19
          && (text.charAt(text.length() - 6) == '+' || text.charAt(text.length() - 6) == '-')) {
        return of(OffsetDateTime.parse(text).toInstant());
      }
      return of(LocalDateTime.parse(text).toInstant(ZoneOffset.UTC));
    } catch (DateTimeException | StringIndexOutOfBoundsException e) {
      throw new EvalError("'" + abbreviate(text) + "' is not an ISO-8601 timestamp", pos);
    }
  }

  /** A timestamp argument: a timestamp, or a string read as one. */
  public static Timestamp timestamp(Object value, String where, Position pos) {
    return switch (value) {
      case Timestamp t -> t;
      case String s -> parse(s, pos);
      default ->
          throw new EvalError(where + " needs a timestamp, got " + Values.typeName(value), pos);
    };
  }

  private static Timestamp of(Instant instant) {
    return new Timestamp(instant.toEpochMilli());
  }

  static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
  }
}
