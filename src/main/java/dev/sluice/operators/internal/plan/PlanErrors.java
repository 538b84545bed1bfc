package dev.sluice.operators.internal.plan;

import dev.sluice.language.ErrorCode;
import dev.sluice.language.Hints;
import dev.sluice.language.LanguageException;
import dev.sluice.language.ast.Position;
import java.util.Collection;

/** The planner's refusals, in one place, each with the code clients match on. */
final class PlanErrors {
  private final String source;

  PlanErrors(String source) {
    this.source = source;
  }

  LanguageException unknownSource(String name, Position pos, Collection<String> known) {
    var hint = Hints.didYouMean(name, known).map(s -> "did you mean " + s + "?");
    return at(
        pos,
        ErrorCode.UNKNOWN_SOURCE,
        "unknown stream or table " + name,
        hint.orElse(known.isEmpty() ? "create it first with CREATE STREAM or CREATE TABLE" : null));
  }

  LanguageException unknownField(String name, Position pos, Collection<String> known) {
    var hint =
        Hints.didYouMean(name, known)
            .map(s -> "did you mean " + s + "?")
            .orElse(known.isEmpty() ? null : "known fields: " + list(known));
    return at(pos, ErrorCode.UNKNOWN_FIELD, "unknown field " + name, hint);
  }

  LanguageException noEnvelope(String name, Position pos) {
    return at(
        pos,
        ErrorCode.UNKNOWN_FIELD,
        name + " is not available after AGGREGATE: its rows stand for groups, not events",
        "EXTEND " + name + " AS a name before the AGGREGATE, or group by it");
  }

  LanguageException needsName(Position pos) {
    return at(
        pos,
        ErrorCode.INVALID_NAME,
        "this item needs a name",
        "add AS name; only a plain field is named after itself");
  }

  LanguageException duplicateName(String name, Position pos) {
    return at(
        pos,
        ErrorCode.DUPLICATE_FIELD,
        "the output has two fields named " + name,
        "rename one with AS");
  }

  LanguageException adHocOnly(String what, Position pos) {
    return at(
        pos,
        ErrorCode.INVALID_PLACEMENT,
        what + " is only for ad-hoc queries: a view is a set of rows kept by key",
        "drop it from the view, and order or limit when you read it");
  }

  LanguageException nowInView(Position pos) {
    return at(
        pos,
        ErrorCode.UNKNOWN_FUNCTION,
        "now() would make a view depend on when it was computed",
        "use the event time _time instead");
  }

  LanguageException joinTarget(String name, Position pos) {
    return at(
        pos,
        ErrorCode.INVALID_JOIN,
        "cannot JOIN the stream " + name + ": only a table has one current row per key to join",
        "declare it with CREATE TABLE, or aggregate it into a view first");
  }

  LanguageException joinCondition(Position pos, String why) {
    return at(
        pos,
        ErrorCode.INVALID_JOIN,
        "JOIN … ON needs equalities between the row and the table joined with AND; " + why,
        "filter with WHERE after the JOIN, and name the table's fields as table.field");
  }

  LanguageException notGrouped(String name, Position pos) {
    return at(
        pos,
        ErrorCode.INVALID_AGGREGATE,
        name + " is neither grouped nor aggregated",
        "add it to GROUP BY, or use it inside an aggregate such as min(" + name + ")");
  }

  LanguageException aggregateHere(Position pos) {
    return at(
        pos,
        ErrorCode.INVALID_AGGREGATE,
        "an aggregate can stand only in the items of AGGREGATE",
        null);
  }

  LanguageException latenessOverRetractions(Position pos) {
    return at(
        pos,
        ErrorCode.INVALID_WINDOW,
        "LATENESS needs a window over stream events only; this window's input comes from a table,"
            + " a JOIN or an AGGREGATE, whose rows can be retracted",
        "drop LATENESS: such a window takes every change, however late, so that a retraction"
            + " always meets the row it retracts");
  }

  LanguageException tooManyWindows(Position pos, long count) {
    return at(
        pos,
        ErrorCode.INVALID_NUMBER,
        "each row would fall in "
            + count
            + " windows; the limit is "
            + PlanBuilder.WINDOWS_PER_ROW_MAX,
        "make the advance longer, closer to the size");
  }

  private LanguageException at(Position pos, ErrorCode code, String reason, String hint) {
    return LanguageException.at(source, pos, code, reason, hint);
  }

  private static String list(Collection<String> names) {
    var sorted = names.stream().sorted().limit(10).toList();
    return String.join(", ", sorted) + (names.size() > 10 ? ", …" : "");
  }
}
