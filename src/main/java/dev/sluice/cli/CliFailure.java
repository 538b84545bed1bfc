package dev.sluice.cli;

/** A command that could not do its job; the message is the one line the user sees. */
final class CliFailure extends RuntimeException {
  private final int exitCode;

  CliFailure(String message) {
    this(message, Main.FAILED);
  }

  CliFailure(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
