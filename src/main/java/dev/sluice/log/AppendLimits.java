package dev.sluice.log;

import java.util.List;

/**
 * The checks every log makes of an append request before it writes anything: each event within the
 * event limit, {@code _delete} only on tables, the whole request within the request limit. A request
 * that fails one is refused whole, so a client never sees part of it appended.
 */
public final class AppendLimits {
  private AppendLimits() {}

  /**
   * Throws the {@link LogException} naming the first event or limit the request breaks.
   *
   * @param stream the stream's name, for the message
   */
  public static void check(String stream, StreamSpec spec, List<Event> events, int eventBytesMax, long requestBytesMax) {
    long requestBytes = 0;
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      int size = e.sizeBytes();
      if (size > eventBytesMax) {
        throw new LogException(
            ErrorCode.EVENT_TOO_LARGE, "event " + (i + 1) + " is " + size + " bytes; the limit is " + eventBytesMax);
      }
      if (e.delete() && spec.kind() != StreamKind.TABLE) {
        throw new LogException(
            ErrorCode.INVALID_EVENT, "event " + (i + 1) + ": _delete is only allowed on tables; '" + stream + "' is a stream");
      }
      requestBytes += size;
    }
    if (requestBytes > requestBytesMax) {
      throw new LogException(
          ErrorCode.REQUEST_TOO_LARGE, "request is " + requestBytes + " bytes; the limit is " + requestBytesMax);
    }
  }
}
