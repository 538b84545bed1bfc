package dev.sluice.log;

/** A failure with a code a client can act on. The message names what was wrong. */
public class LogException extends RuntimeException {
  private final ErrorCode code;

  public LogException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public LogException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
