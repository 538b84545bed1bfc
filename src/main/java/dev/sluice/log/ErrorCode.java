package dev.sluice.log;

/**
 * Every failure a client can see, with the HTTP status it maps to. Codes are part of the outside
 * contract (SPEC.md "Errors"): scripts match on them, so they never change meaning.
 */
public enum ErrorCode {
  BAD_JSON(400),
  INVALID_EVENT(400),
  MISSING_KEY(400),
  INVALID_ID(400),
  INVALID_NAME(400),
  INVALID_STATEMENT(400),
  INVALID_ARGUMENT(400),
  UNKNOWN_STREAM(404),
  UNKNOWN_PARTITION(404),
  NOT_FOUND(404),
  STREAM_EXISTS(409),
  /** A uniqueness constraint cannot be created: existing events already violate it. */
  CONSTRAINT_VIOLATED(409),
  EVENT_TOO_LARGE(413),
  REQUEST_TOO_LARGE(413),
  UNSUPPORTED_MEDIA_TYPE(415),
  TIMEOUT(504),
  OVERLOADED(503),
  /** The partition's stored data failed verification; it refuses reads rather than serve it. */
  CORRUPT_PARTITION(503),
  /** The log stopped accepting writes after an I/O failure it cannot undo; restart to recover. */
  LOG_FAILED(503),
  STORAGE_FULL(507);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The code as it appears on the wire: {@code unknown_stream}. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
