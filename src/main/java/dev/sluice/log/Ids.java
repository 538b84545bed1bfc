package dev.sluice.log;

/**
 * Operation ids the log makes for events sent without {@code _id}. They are derived from the
 * position, so they cost no storage and are unique within a stream. Client ids may not take this
 * form unless they name an existing position of the same stream (then they are that event's id, and
 * the append is a duplicate of it).
 */
public final class Ids {
  public static final char GENERATED_PREFIX = '@';

  private Ids() {}

  public static String generated(int partition, long offset) {
    return GENERATED_PREFIX + Integer.toString(partition) + "." + offset;
  }

  public static boolean isGeneratedForm(String id) {
    return !id.isEmpty() && id.charAt(0) == GENERATED_PREFIX;
  }

  /** Parses {@code @P.O}; null when the id does not have that exact form. */
  public static long[] parseGenerated(String id) {
    if (!isGeneratedForm(id)) {
      return null;
    }
    int dot = id.indexOf('.');
    if (dot < 2 || dot == id.length() - 1) {
      return null;
    }
    try {
      long partition = Long.parseLong(id, 1, dot, 10);
      long offset = Long.parseLong(id, dot + 1, id.length(), 10);
      if (partition < 0 || offset < 0 || partition > Integer.MAX_VALUE) {
        return null;
      }
      return new long[] {partition, offset};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
