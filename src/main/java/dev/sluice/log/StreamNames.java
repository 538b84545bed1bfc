package dev.sluice.log;

import java.util.regex.Pattern;

/**
 * The rules for stream names. They are identifiers of the language (lower case, as unquoted
 * identifiers fold to lower case), and they are also folder names and Kafka topic names, so the
 * alphabet is the intersection of the three.
 */
public final class StreamNames {
  public static final int LENGTH_MAX = 100;
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  private StreamNames() {}

  public static void check(String name) {
    if (name == null || name.isEmpty()) {
      throw new LogException(ErrorCode.INVALID_NAME, "stream name must not be empty");
    }
    if (name.length() > LENGTH_MAX) {
      throw new LogException(
          ErrorCode.INVALID_NAME,
          "stream name is " + name.length() + " characters long; the limit is " + LENGTH_MAX);
    }
    if (!NAME.matcher(name).matches()) {
      throw new LogException(
          ErrorCode.INVALID_NAME,
          "invalid stream name '"
              + name
              + "': use lower-case letters, digits and '_', starting with a letter");
    }
  }
}
