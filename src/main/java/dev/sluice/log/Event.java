package dev.sluice.log;

import java.util.List;
import java.util.Objects;

/**
 * An event to append: the envelope and the value.
 *
 * @param key the partitioning key ({@code _key}), never null
 * @param id the operation id ({@code _id}), or null to have the log generate one
 * @param timeMs event time ({@code _time}) in epoch milliseconds, or null for the append time
 * @param causes operation ids this event depends on ({@code _causes}); empty when none
 * @param delete a tombstone for {@code key} (tables only)
 * @param value the event's value members as the UTF-8 bytes of one JSON object
 */
public record Event(String key, String id, Long timeMs, List<String> causes, boolean delete, byte[] value) {

  public static final int ID_BYTES_MAX = 128;
  public static final int KEY_BYTES_MAX = 4096;
  public static final int CAUSES_MAX = 64;

  public Event {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    causes = causes == null ? List.of() : List.copyOf(causes);
    if (utf8Length(key, KEY_BYTES_MAX) > KEY_BYTES_MAX) {
      throw new LogException(ErrorCode.INVALID_EVENT, "_key is longer than " + KEY_BYTES_MAX + " bytes");
    }
    if (id != null) {
      checkId(id, "_id");
    }
    if (causes.size() > CAUSES_MAX) {
      throw new LogException(
          ErrorCode.INVALID_EVENT, "_causes has " + causes.size() + " ids; the limit is " + CAUSES_MAX);
    }
    for (String cause : causes) {
      checkId(cause, "_causes entry");
    }
  }

  /** An event with only a key and a value; the log fills in id and time. */
  public static Event of(String key, byte[] value) {
    return new Event(key, null, null, List.of(), false, value);
  }

  private static void checkId(String id, String what) {
    if (id.isEmpty()) {
      throw new LogException(ErrorCode.INVALID_ID, what + " must not be empty");
    }
    if (utf8Length(id, ID_BYTES_MAX) > ID_BYTES_MAX) {
      throw new LogException(ErrorCode.INVALID_ID, what + " is longer than " + ID_BYTES_MAX + " bytes");
    }
  }

  /**
   * The UTF-8 length of {@code text}, counted without encoding it (every event's key is checked);
   * exact up to {@code max}, and some length above {@code max} beyond it.
   */
  private static int utf8Length(String text, int max) {
    if (text.length() * 3 <= max) {
      return text.length(); // below the limit however it encodes
    }
    int bytes = 0;
    for (int i = 0; i < text.length() && bytes <= max; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += Character.isSurrogate(c) ? 1 : 3; // a lone surrogate is encoded as '?'
      }
    }
    return bytes;
  }

  /** Bytes this event occupies against the event size limit. */
  public int sizeBytes() {
    int size = value.length + key.length() * 3;
    if (id != null) {
      size += id.length() * 3;
    }
    for (String cause : causes) {
      size += cause.length() * 3;
    }
    return size;
  }
}
