package dev.sluice.operators.internal;

import dev.sluice.operators.Envelope;
import dev.sluice.operators.Row;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * Reads the few top-level fields a pipeline needs from an event's JSON object, in one pass over the
 * bytes: names are matched as bytes against the wanted ones, and everything else is checked for
 * JSON grammar and skipped without building anything. This is the hot path of a view such as WHERE
 * + GROUP BY sum, where a general parser spends most of its time on fields nobody reads. Nested
 * objects and arrays of wanted fields go to {@link JsonValues}.
 *
 * <p>Skipped strings are checked for escapes and control characters, not for UTF-8 validity.
 */
public final class FieldScanner {
  private final String[] names;
  private final byte[][] nameBytes;
  /**
   * Per wanted name, whether its UTF-8 bytes can stand in a JSON string as they are (no quote,
   * backslash or control character): a member name of exactly those bytes is then that name.
   */
  private final boolean[] plainName;
  /** Per wanted name of at most eight bytes, its bytes as a little-endian word; 0 for longer ones. */
  private final long[] nameWords;

  public FieldScanner(Set<String> wanted) {
    names = wanted.stream().sorted().map(String::intern).toArray(String[]::new);
    nameBytes = new byte[names.length][];
    plainName = new boolean[names.length];
    for (var i = 0; i < names.length; i++) {
      nameBytes[i] = names[i].getBytes(StandardCharsets.UTF_8);
      var plain = true;
      for (var c : nameBytes[i]) {
        plain &= !(c == '"' || c == '\\' || (c >= 0 && c < 0x20));
      }
      plainName[i] = plain;
    }
    nameWords = new long[names.length];
    for (var i = 0; i < names.length; i++) {
      for (var j = Math.min(8, nameBytes[i].length) - 1; nameBytes[i].length <= 8 && j >= 0; j--) {
        nameWords[i] = nameWords[i] << 8 | (nameBytes[i][j] & 0xff);
      }
    }
  }

  /** Slots of {@link #recent}: a power of two. */
  private static final int RECENT_SLOTS = 512;

  /** The longest string value {@link #recent} keeps. */
  private static final int RECENT_LENGTH = 32;

  /**
   * Short ASCII string values seen lately, one per slot by a hash of their bytes: values such as a
   * status or a group key repeat across events, and one found here costs no allocation. Strings are
   * immutable, so scanners on other threads may share it; a race loses an entry, never a value.
   */
  private final String[] recent = new String[RECENT_SLOTS];

  /**
   * A short ASCII string of {@link #recentShort}, with its bytes as a little-endian word; {@code
   * known} when it was told of ({@link #know}), and so not given up for another value.
   */
  private record Recent(long word, String text, boolean known) {}

  /**
   * ASCII strings of at most eight bytes seen lately, one per slot by a hash of their bytes, found
   * by one comparison of words: a status or a country code. One entry is read whole, so scanners on
   * other threads may share these as they share {@link #recent}.
   */
  private final Recent[] recentShort = new Recent[RECENT_SLOTS];

  /** The bits of a word that hold its first {@code length} bytes (at most 8). */
  private static long lowBytes(int length) {
    return length == 8 ? -1L : (1L << (length * 8)) - 1;
  }

  /**
   * Makes {@code text} the string this scanner gives for a value of the same bytes: a WHERE that
   * compares a field with a literal then finds the literal itself in the slot, and the comparison
   * ends at the first check of {@link String#equals}. Only short ASCII texts are kept so, and no
   * other value takes a known text's place among the recent ones; of two known texts in one place,
   * the last told is kept.
   */
  public void know(String text) {
    var bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > 8 || bytes.length != text.length()) {
      return;
    }
    var padded = java.util.Arrays.copyOf(bytes, 8);
    var word = (long) LONGS.get(padded, 0) & lowBytes(bytes.length);
    if ((word & HIGHS) != 0) {
      return;
    }
    recentShort[shortSlot(word, bytes.length)] = new Recent(word, text, true);
  }

  /** The slot of {@link #recentShort} for a string of {@code length} bytes whose word is {@code word}. */
  private static int shortSlot(long word, int length) {
    return (int) (((word ^ length) * 0x9E3779B97F4A7C15L) >>> (64 - Integer.numberOfTrailingZeros(RECENT_SLOTS)));
  }

  /** The string of the unescaped string body {@code b[from, from + length)}. */
  private String text(byte[] b, int from, int length) {
    if (length <= 8 && from + 8 <= b.length) {
      var word = (long) LONGS.get(b, from) & lowBytes(length);
      if ((word & HIGHS) == 0) {
        var slot = shortSlot(word, length);
        var known = recentShort[slot];
        if (known != null && known.word() == word && known.text().length() == length) {
          return known.text();
        }
        var made = new String(b, from, length, StandardCharsets.US_ASCII);
        if (known == null || !known.known()) {
          recentShort[slot] = new Recent(word, made, false);
        }
        return made;
      }
    }
    if (length > RECENT_LENGTH) {
      return new String(b, from, length, StandardCharsets.UTF_8);
    }
    var hash = 0;
    for (var i = from; i < from + length; i++) {
      var c = b[i];
      if (c < 0) {
        return new String(b, from, length, StandardCharsets.UTF_8); // not ASCII
      }
      hash = 31 * hash + c;
    }
    var slot = (hash ^ (hash >>> 16)) & (RECENT_SLOTS - 1);
    var known = recent[slot];
    if (known != null && known.length() == length && sameAscii(known, b, from)) {
      return known;
    }
    var made = new String(b, from, length, StandardCharsets.US_ASCII);
    recent[slot] = made;
    return made;
  }

  /**
   * Whether {@code b} holds {@code name}'s bytes from {@code from}. A loop, not {@link
   * Arrays#equals}: member names are a few bytes long, and the intrinsic's setup costs more than
   * comparing them one by one.
   */
  private static boolean same(byte[] b, int from, byte[] name) {
    for (var i = 0; i < name.length; i++) {
      if (b[from + i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameAscii(String known, byte[] b, int from) {
    for (var i = 0; i < known.length(); i++) {
      if (known.charAt(i) != b[from + i]) {
        return false;
      }
    }
    return true;
  }

  Row parse(byte[] json, Envelope envelope) {
    return new Pass(json, 0, json.length).row(envelope);
  }

  /** The wanted fields, in slot order: {@link #scan} puts field {@code names()[i]} in slot i. */
  public String[] names() {
    return names.clone();
  }

  /**
   * Stands in a slot for a string read raw: see {@link Slots#scan}. Not a Sluice value, so no expression
   * ever sees it.
   */
  public static final Object RAW = new Object();

  /**
   * Stands in a slot for an integer read as a primitive: see {@link Slots#scan(byte[], int, int,
   * Object[], int, int[], int, long[])}. Not a Sluice value either.
   */
  public static final Object LONG = new Object();

  /** Scans one thread's events into slots, one after another, without an object per event. */
  public final class Slots {
    private final Pass pass = new Pass(null, 0, 0);

    /**
     * Reads the wanted fields of the JSON object in {@code json[from, to)} into {@code slots} (null
     * for an absent one), as {@link #parse} would read them, without a Row. When slot {@code rawSlot}
     * (or -1: none) holds a string of ASCII characters without escapes, it gets {@link #RAW} and
     * {@code raw} the bounds of the string's characters, [0] from and [1] to, instead of a String.
     *
     * @throws IllegalArgumentException with the reason {@link #parse} gives, when the value is not a
     *     JSON object
     */
    public void scan(byte[] json, int from, int to, Object[] slots, int rawSlot, int[] raw) {
      scan(json, from, to, slots, rawSlot, raw, -1, null);
    }

    /**
     * {@link #scan(byte[], int, int, Object[], int, int[])}; besides, when slot {@code longSlot} (or
     * -1: none) holds an integer of at most 18 digits, it gets {@link #LONG} and {@code longs[0]}
     * its value, instead of a Long.
     */
    public void scan(byte[] json, int from, int to, Object[] slots, int rawSlot, int[] raw, int longSlot, long[] longs) {
      java.util.Arrays.fill(slots, null);
      if (flat(json, from, to, slots, rawSlot, raw, longSlot, longs)) {
        return;
      }
      java.util.Arrays.fill(slots, null);
      pass.reset(json, from, to);
      pass.longSlot = longSlot;
      pass.longs = longs;
      pass.members(slots, null, null, rawSlot, raw);
    }
  }

  /**
   * The common case of {@link Slots#scan}, in one method whose position is a local: a flat object
   * whose members are strings without escapes, integers of at most 18 characters, booleans and
   * nulls. Fills {@code slots} exactly as {@link Pass#members} would and returns true; returns
   * false, with some slots perhaps filled, at anything else (an escape, a nested value, a fraction,
   * a long number, a grammar error), and the caller scans the value again with the full pass, which
   * reads every case and names every error.
   */
  private boolean flat(byte[] b, int from, int to, Object[] slots, int rawSlot, int[] raw, int longSlot, long[] longs) {
    var p = space(b, from, to);
    if (p >= to || b[p] != '{') {
      return false;
    }
    p = space(b, p + 1, to);
    if (p < to && b[p] == '}') {
      return space(b, p + 1, to) == to;
    }
    while (true) {
      if (p >= to || b[p] != '"') {
        return false;
      }
      var start = ++p;
      p = plainEnd(b, p, to);
      if (p < 0) {
        return false;
      }
      var index = wanted(b, start, p - start);
      p = space(b, p + 1, to);
      if (p >= to || b[p] != ':') {
        return false;
      }
      p = space(b, p + 1, to);
      if (p >= to) {
        return false;
      }
      var c = b[p];
      if (c == '"') {
        var valueFrom = ++p;
        p = plainEnd(b, p, to);
        if (p < 0) {
          return false;
        }
        if (index >= 0) {
          if (index == rawSlot && ascii(b, valueFrom, p)) {
            raw[0] = valueFrom;
            raw[1] = p;
            slots[index] = RAW;
          } else {
            slots[index] = text(b, valueFrom, p - valueFrom);
          }
        }
        p++;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        var numberFrom = p;
        var negative = c == '-';
        if (negative) {
          p++;
        }
        var value = 0L;
        if (p < to && b[p] == '0') {
          p++;
        } else {
          var digitsFrom = p;
          while (p < to && b[p] >= '0' && b[p] <= '9') {
            value = value * 10 + (b[p++] - '0');
          }
          if (p == digitsFrom || p - numberFrom > 18) {
            return false;
          }
        }
        if (p < to && (b[p] == '.' || b[p] == 'e' || b[p] == 'E')) {
          return false;
        }
        if (index >= 0) {
          if (index == longSlot) {
            longs[0] = negative ? -value : value;
            slots[index] = LONG;
          } else {
            slots[index] = negative ? -value : value;
          }
        }
      } else if (c == 't' && p + 4 <= to && b[p + 1] == 'r' && b[p + 2] == 'u' && b[p + 3] == 'e') {
        p += 4;
        if (index >= 0) {
          slots[index] = Boolean.TRUE;
        }
      } else if (c == 'f' && p + 5 <= to && b[p + 1] == 'a' && b[p + 2] == 'l' && b[p + 3] == 's' && b[p + 4] == 'e') {
        p += 5;
        if (index >= 0) {
          slots[index] = Boolean.FALSE;
        }
      } else if (c == 'n' && p + 4 <= to && b[p + 1] == 'u' && b[p + 2] == 'l' && b[p + 3] == 'l') {
        p += 4;
        if (index >= 0) {
          slots[index] = null;
        }
      } else {
        return false;
      }
      p = space(b, p, to);
      if (p >= to) {
        return false;
      }
      c = b[p];
      if (c == '}') {
        return space(b, p + 1, to) == to;
      }
      if (c != ',') {
        return false;
      }
      p = space(b, p + 1, to);
    }
  }

  /** Past JSON whitespace from {@code p}. */
  private static int space(byte[] b, int p, int to) {
    while (p < to && b[p] <= ' ' && (b[p] == ' ' || b[p] == '\n' || b[p] == '\r' || b[p] == '\t')) {
      p++;
    }
    return p;
  }

  /**
   * Where the string body from {@code p} ends (its closing quote), or -1 if it has an escape or a
   * control character first, or no end.
   */
  private static int plainEnd(byte[] b, int p, int to) {
    // Eight bytes at a time, past the value's end when the array goes on (a record's chain hash
    // follows it in a log's batch): the lowest byte the test flags is the first special one.
    while (p + 8 <= b.length) {
      var special = special((long) LONGS.get(b, p));
      if (special != 0) {
        var at = p + (Long.numberOfTrailingZeros(special) >>> 3);
        return at < to && b[at] == '"' ? at : -1;
      }
      p += 8;
      if (p >= to) {
        return -1;
      }
    }
    for (; p < to; p++) {
      var c = b[p];
      if (c == '"') {
        return p;
      }
      if (c == '\\' || (c >= 0 && c < 0x20)) {
        return -1;
      }
    }
    return -1;
  }

  private static boolean ascii(byte[] b, int from, int to) {
    for (; from + 8 <= to; from += 8) {
      if (((long) LONGS.get(b, from) & HIGHS) != 0) {
        return false;
      }
    }
    var all = 0;
    for (var i = from; i < to; i++) {
      all |= b[i];
    }
    return all >= 0;
  }

  /** The slot of the wanted name whose bytes are {@code b[from, from + length)} unescaped, or -1. */
  private int wanted(byte[] b, int from, int length) {
    if (length <= 8 && from + 8 <= b.length) {
      var word = (long) LONGS.get(b, from) & lowBytes(length);
      for (var i = 0; i < nameBytes.length; i++) {
        if (nameBytes[i].length == length && nameWords[i] == word) {
          return i;
        }
      }
      return -1;
    }
    for (var i = 0; i < nameBytes.length; i++) {
      var n = nameBytes[i];
      if (n.length == length && same(b, from, n)) {
        return i;
      }
    }
    return -1;
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  /** Whether none of the eight bytes is a quote, a backslash or below 0x20. */
  private static boolean plain(long bytes) {
    return special(bytes) == 0;
  }

  /**
   * The high bit set of each of the eight bytes that is a quote, a backslash or below 0x20, and
   * perhaps of bytes after one that is: the lowest bit set marks the first such byte exactly.
   */
  private static long special(long bytes) {
    return below(bytes ^ ONES * '"', 1) | below(bytes ^ ONES * '\\', 1) | below(bytes, 0x20);
  }

  /** Non-zero when some byte of {@code x} is below {@code n} (n at most 128). */
  private static long below(long x, int n) {
    return (x - ONES * n) & ~x & HIGHS;
  }

  /** One scan over one value; positions only move forward. */
  private final class Pass {
    private byte[] b;
    private int from;
    private int end;
    private int p;
    private int depth;
    /** The slot read as a primitive into {@code longs[0]}, or -1. */
    private int longSlot = -1;
    private long[] longs;

    Pass(byte[] bytes, int from, int to) {
      reset(bytes, from, to);
    }

    void reset(byte[] bytes, int from, int to) {
      b = bytes;
      this.from = from;
      p = from;
      end = to;
      depth = 0;
    }

    Row row(Envelope envelope) {
      var found = new Object[names.length];
      var present = new boolean[names.length];
      // Fields keep the order the event has them in, as with a full parse.
      var order = new int[names.length];
      var count = members(found, present, order, -1, null);
      var rowNames = new String[count];
      var rowValues = new Object[count];
      for (var i = 0; i < count; i++) {
        rowNames[i] = names[order[i]];
        rowValues[i] = found[order[i]];
      }
      return Row.wrap(rowNames, rowValues, envelope);
    }

    /**
     * Reads the object's wanted members into {@code found}; with {@code present} and {@code order},
     * notes the order they first came in and returns how many there were.
     */
    int members(Object[] found, boolean[] present, int[] order, int rawSlot, int[] raw) {
      var count = 0;
      if (peekAfterSpace() != '{') {
        throw new IllegalArgumentException("the value is not a JSON object");
      }
      p++;
      if (peekAfterSpace() == '}') {
        p++;
      } else {
        while (true) {
          var index = name();
          expect(':');
          space();
          if (index >= 0) {
            if (order != null && !present[index]) {
              order[count++] = index;
              present[index] = true;
            }
            found[index] = index == rawSlot ? rawOrValue(raw) : index == longSlot ? longOrValue() : value();
          } else {
            skip();
          }
          var next = peekAfterSpace();
          p++;
          if (next == '}') {
            break;
          }
          if (next != ',') {
            throw error("expected ',' or '}'");
          }
        }
      }
      if (peekAfterSpace() != -1) {
        throw new IllegalArgumentException("the value has text after its JSON object");
      }
      return count;
    }

    /** A string of plain ASCII as its bounds in {@code raw} and {@link #RAW}; anything else as {@link #value}. */
    private Object rawOrValue(int[] raw) {
      if (peek() != '"') {
        return value();
      }
      var start = p;
      p++;
      var escaped = skipStringBody();
      if (!escaped && ascii(b, start + 1, p - 1)) {
        raw[0] = start + 1;
        raw[1] = p - 1;
        return RAW;
      }
      p = start;
      return value();
    }

    /** An integer of at most 18 digits as {@link #LONG} and its value in {@code longs[0]}; anything else as {@link #value}. */
    private Object longOrValue() {
      var c = peek();
      if (c != '-' && (c < '0' || c > '9')) {
        return value();
      }
      var start = p;
      var integral = skipNumber();
      var length = p - start;
      if (!integral || length > 18) {
        p = start;
        return value();
      }
      var negative = b[start] == '-';
      var value = 0L;
      for (var i = negative ? start + 1 : start; i < p; i++) {
        value = value * 10 + (b[i] - '0');
      }
      longs[0] = negative ? -value : value;
      return LONG;
    }

    /** Reads a member name; returns the index of the wanted name it is, or -1. */
    private int name() {
      if (peekAfterSpace() != '"') {
        throw error("expected a member name");
      }
      var start = ++p;
      // A wanted name's bytes followed by the closing quote are that name, escapes being impossible
      // in them: most members a view reads are found without scanning their names twice.
      for (var i = 0; i < names.length; i++) {
        var n = nameBytes[i];
        var close = start + n.length;
        if (close < end && b[close] == '"' && plainName[i] && same(b, start, n)) {
          p = close + 1;
          return i;
        }
      }
      var escaped = skipStringBody();
      var nameEnd = p - 1;
      if (escaped) {
        var decoded = JsonValues.parseString(b, start - 1, p);
        for (var i = 0; i < names.length; i++) {
          if (names[i].equals(decoded)) {
            return i;
          }
        }
        return -1;
      }
      for (var i = 0; i < names.length; i++) {
        var n = nameBytes[i];
        if (n.length == nameEnd - start && same(b, start, n)) {
          return i;
        }
      }
      return -1;
    }

    private Object value() {
      var c = peek();
      return switch (c) {
        case '"' -> {
          var start = p++;
          var escaped = skipStringBody();
          yield escaped
              ? JsonValues.parseString(b, start, p)
              : text(b, start + 1, p - start - 2);
        }
        case '{', '[' -> {
          var start = p;
          skip();
          yield JsonValues.parseValue(b, start, p - start);
        }
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> number();
      };
    }

    private Object number() {
      var start = p;
      var integral = skipNumber();
      var length = p - start;
      if (integral && length <= 18) {
        var negative = b[start] == '-';
        var value = 0L;
        for (var i = negative ? start + 1 : start; i < p; i++) {
          value = value * 10 + (b[i] - '0');
        }
        return negative ? -value : value;
      }
      var text = new String(b, start, length, StandardCharsets.US_ASCII);
      if (integral) {
        var big = new java.math.BigInteger(text);
        return big.bitLength() < 64 ? (Object) big.longValue() : new BigDecimal(big);
      }
      return new BigDecimal(text);
    }

    private Object literal(String word, Object value) {
      for (var i = 0; i < word.length(); i++) {
        if (p >= end || b[p++] != word.charAt(i)) {
          throw error("expected " + word);
        }
      }
      return value;
    }

    /** Checks and passes over one value of any kind. */
    private void skip() {
      var c = peek();
      switch (c) {
        case '"' -> {
          p++;
          skipStringBody();
        }
        case '{' -> skipContainer('}', true);
        case '[' -> skipContainer(']', false);
        case 't' -> literal("true", null);
        case 'f' -> literal("false", null);
        case 'n' -> literal("null", null);
        default -> skipNumber();
      }
    }

    private void skipContainer(char close, boolean object) {
      if (++depth > JsonValues.DEPTH_MAX) {
        throw new IllegalArgumentException(
            "the value nests deeper than " + JsonValues.DEPTH_MAX + " levels");
      }
      p++;
      if (peekAfterSpace() == close) {
        p++;
        depth--;
        return;
      }
      while (true) {
        if (object) {
          if (peekAfterSpace() != '"') {
            throw error("expected a member name");
          }
          p++;
          skipStringBody();
          expect(':');
        }
        space();
        skip();
        var next = peekAfterSpace();
        p++;
        if (next == close) {
          depth--;
          return;
        }
        if (next != ',') {
          throw error("expected ',' or '" + close + "'");
        }
      }
    }

    /** From after the opening quote to after the closing one; returns whether it had escapes. */
    private boolean skipStringBody() {
      var escaped = false;
      while (true) {
        // Eight bytes at a time while none of them ends the string, escapes or is a control
        // character: most of a value's bytes are in strings no one reads (a padding field, say).
        while (p + 8 <= end && plain((long) LONGS.get(b, p))) {
          p += 8;
        }
        if (p >= end) {
          throw error("unterminated string");
        }
        var c = b[p++];
        if (c == '"') {
          return escaped;
        }
        if (c >= 0 && c < 0x20) {
          throw error("control character in string");
        }
        if (c == '\\') {
          escaped = true;
          var e = p < end ? b[p++] : 0;
          if (e == 'u') {
            for (var i = 0; i < 4; i++) {
              if (p >= end || Character.digit(b[p++], 16) < 0) {
                throw error("bad \\u escape");
              }
            }
          } else if ("\"\\/bfnrt".indexOf(e) < 0) {
            throw error("bad escape");
          }
        }
      }
    }

    /** JSON's number grammar; returns whether it is an integer (no fraction, no exponent). */
    private boolean skipNumber() {
      if (p < end && b[p] == '-') {
        p++;
      }
      if (p < end && b[p] == '0') {
        p++;
      } else if (digits() == 0) {
        throw error("expected a value");
      }
      var integral = true;
      if (p < end && b[p] == '.') {
        p++;
        integral = false;
        if (digits() == 0) {
          throw error("expected digits after '.'");
        }
      }
      if (p < end && (b[p] == 'e' || b[p] == 'E')) {
        p++;
        integral = false;
        if (p < end && (b[p] == '+' || b[p] == '-')) {
          p++;
        }
        if (digits() == 0) {
          throw error("expected digits in the exponent");
        }
      }
      return integral;
    }

    private int digits() {
      var start = p;
      while (p < end && b[p] >= '0' && b[p] <= '9') {
        p++;
      }
      return p - start;
    }

    private void expect(char c) {
      if (peekAfterSpace() != c) {
        throw error("expected '" + c + "'");
      }
      p++;
    }

    private void space() {
      while (p < end && (b[p] == ' ' || b[p] == '\n' || b[p] == '\r' || b[p] == '\t')) {
        p++;
      }
    }

    private int peekAfterSpace() {
      space();
      return peek();
    }

    private int peek() {
      return p < end ? b[p] : -1;
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException("the value is not valid JSON: " + what + " at byte " + (p - from));
    }
  }
}
