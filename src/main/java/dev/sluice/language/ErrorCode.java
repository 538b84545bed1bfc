package dev.sluice.language;

import java.util.Locale;

/**
 * Why a statement was refused. The lower-case id is part of the outside contract: clients and the
 * HTTP API match on it, so an id never changes meaning once released.
 */
public enum ErrorCode {
  /** The text does not follow the grammar. */
  SYNTAX_ERROR,
  /** A name that cannot be written unquoted, or is empty or too long. */
  INVALID_NAME,
  /** A number out of its allowed range: partitions, LIMIT, interval lengths, integer literals. */
  INVALID_NUMBER,
  /** A clause or option given twice. */
  DUPLICATE_CLAUSE,
  UNKNOWN_FUNCTION,
  WRONG_ARGUMENT_COUNT,
  /** An aggregate outside AGGREGATE, nested in another, or an AGGREGATE item without one. */
  INVALID_AGGREGATE,
  /** A field starting with {@code _} that the envelope does not have. */
  UNKNOWN_ENVELOPE_FIELD,
  /** Parentheses, CASE or pipelines nested deeper than the parser's limit. */
  TOO_DEEPLY_NESTED,
  /** FROM, JOIN or UNION names no stream, table or view. */
  UNKNOWN_SOURCE,
  /** A field the rows at that point of the pipeline do not have. */
  UNKNOWN_FIELD,
  /** Two output fields with one name. */
  DUPLICATE_FIELD,
  /** An operator where the statement cannot have it (ORDER BY in a view, say). */
  INVALID_PLACEMENT,
  /** A JOIN whose target or condition Sluice cannot maintain. */
  INVALID_JOIN,
  /** A window option its input does not allow. */
  INVALID_WINDOW;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
