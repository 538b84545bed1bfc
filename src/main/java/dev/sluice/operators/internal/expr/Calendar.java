package dev.sluice.operators.internal.expr;

import dev.sluice.language.ast.Position;
import dev.sluice.operators.Timestamp;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/** date_trunc and date_part, in UTC: event time has no time zone, so neither do views. */
final class Calendar {
  private Calendar() {}

  static Timestamp truncate(String unit, Timestamp time, Position pos) {
    var t = utc(time);
    var truncated =
        switch (unit.toLowerCase(Locale.ROOT)) {
          case "millisecond" -> t;
          case "second" -> t.truncatedTo(ChronoUnit.SECONDS);
          case "minute" -> t.truncatedTo(ChronoUnit.MINUTES);
          case "hour" -> t.truncatedTo(ChronoUnit.HOURS);
          case "day" -> t.truncatedTo(ChronoUnit.DAYS);
          case "week" ->
              t.truncatedTo(ChronoUnit.DAYS)
                  .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
          case "month" -> t.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
          case "year" -> t.truncatedTo(ChronoUnit.DAYS).withDayOfYear(1);
          default ->
              throw new EvalError(
                  "date_trunc does not know unit '"
                      + unit
                      + "'; use millisecond, second, minute, hour, day, week, month or year",
                  pos);
        };
    return new Timestamp(truncated.toInstant().toEpochMilli());
  }

  static Object part(String unit, Timestamp time, Position pos) {
    var t = utc(time);
    return switch (unit.toLowerCase(Locale.ROOT)) {
      case "millisecond" -> (long) t.getNano() / 1_000_000;
      case "second" -> (long) t.getSecond();
      case "minute" -> (long) t.getMinute();
      case "hour" -> (long) t.getHour();
      case "day" -> (long) t.getDayOfMonth();
      case "dow" -> (long) (t.getDayOfWeek().getValue() % 7);
      case "doy" -> (long) t.getDayOfYear();
      case "week" -> (long) t.get(java.time.temporal.IsoFields.WEEK_OF_WEEK_BASED_YEAR);
      case "month" -> (long) t.getMonthValue();
      case "year" -> (long) t.getYear();
      case "epoch" -> BigDecimal.valueOf(time.epochMs(), 3);
      default ->
          throw new EvalError(
              "date_part does not know unit '"
                  + unit
                  + "'; use millisecond, second, minute, hour, day, dow, doy, week, month, year"
                  + " or epoch",
              pos);
    };
  }

  private static ZonedDateTime utc(Timestamp time) {
    return Instant.ofEpochMilli(time.epochMs()).atZone(ZoneOffset.UTC);
  }
}
