package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamSpec;

/** Looking up the stream a request names. */
final class Streams {
  private Streams() {}

  static StreamSpec spec(EventLog log, String name) {
    return log.stream(name)
        .orElseThrow(() -> new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + name + "'"));
  }
}
