package dev.sluice.operators.internal;

import dev.sluice.operators.Interval;
import dev.sluice.operators.Timestamp;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An order-preserving, self-delimiting byte encoding of values (see docs/semantics.md, "Keys").
 * Comparing encodings as unsigned bytes orders values by type (NULL, booleans, numbers, timestamps,
 * intervals, strings by code point, lists, objects) and then by value. Numbers are canonical:
 * {@code 1}, {@code 1.0} and {@code 1.00} encode alike, so they group and join alike.
 *
 * <p>Because no encoding is a prefix of another, encodings concatenate into composite keys, and
 * complementing every byte reverses the order (max-heaps in an ascending store).
 */
public final class KeyEncoding {
  static final int NULL = 0x01;
  static final int FALSE = 0x02;
  static final int TRUE = 0x03;
  static final int NEGATIVE = 0x10;
  static final int ZERO = 0x11;
  static final int POSITIVE = 0x12;
  static final int TIMESTAMP = 0x20;
  static final int INTERVAL = 0x21;
  static final int STRING = 0x30;
  static final int LIST = 0x40;
  static final int OBJECT = 0x50;

  /** Ends lists and objects; below every tag so a shorter list sorts first. */
  static final int END = 0x00;

  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  private KeyEncoding() {}

  public static byte[] encode(Object value) {
    var sink = new ByteSink(16);
    encode(value, sink);
    return sink.toByteArray();
  }

  public static void encode(Object value, ByteSink sink) {
    switch (value) {
      case null -> sink.put(NULL);
      case Boolean b -> sink.put(b ? TRUE : FALSE);
      case Long l -> encodeLong(l, sink);
      case BigDecimal d -> encodeDecimal(d, sink);
      case Timestamp t -> sink.put(TIMESTAMP).putLong(t.epochMs() ^ Long.MIN_VALUE);
      case Interval i -> sink.put(INTERVAL).putLong(i.millis() ^ Long.MIN_VALUE);
      case String s -> encodeString(s, sink.put(STRING));
      case List<?> list -> {
        sink.put(LIST);
        for (var element : list) {
          encode(element, sink);
        }
        sink.put(END);
      }
      case Map<?, ?> map -> {
        // Members in name order: objects equal as JSON encode alike whatever their member order.
        sink.put(OBJECT);
        for (var entry : new TreeMap<>(map).entrySet()) {
          encodeString((String) entry.getKey(), sink);
          encode(entry.getValue(), sink);
        }
        sink.put(END);
      }
      default ->
          throw new IllegalArgumentException("not a Sluice value: " + value.getClass().getName());
    }
  }

  /**
   * A nonzero number is 0.d1d2…dn × 10^e with d1 ≠ 0 and dn ≠ 0: sign tag, then e, then the digits
   * and a terminator. Negative numbers complement e and the digits so larger magnitudes sort first.
   */
  private static void encodeLong(long value, ByteSink sink) {
    if (value == 0) {
      sink.put(ZERO);
      return;
    }
    if (value == Long.MIN_VALUE) {
      encodeDecimal(LONG_MIN, sink);
      return;
    }
    var magnitude = Math.abs(value);
    var trailingZeros = 0;
    while (magnitude % 10 == 0) {
      magnitude /= 10;
      trailingZeros++;
    }
    var digits = new byte[19];
    var count = 0;
    for (var m = magnitude; m > 0; m /= 10) {
      digits[count++] = (byte) ('0' + m % 10);
    }
    for (var i = 0; i < count / 2; i++) {
      var t = digits[i];
      digits[i] = digits[count - 1 - i];
      digits[count - 1 - i] = t;
    }
    writeNumber(value < 0, count + trailingZeros, digits, count, sink);
  }

  private static void encodeDecimal(BigDecimal value, ByteSink sink) {
    if (value.signum() == 0) {
      sink.put(ZERO);
      return;
    }
    var stripped = value.stripTrailingZeros();
    var digits = stripped.unscaledValue().abs().toString().getBytes(StandardCharsets.US_ASCII);
    var exponent = stripped.precision() - stripped.scale();
    writeNumber(stripped.signum() < 0, exponent, digits, digits.length, sink);
  }

  private static void writeNumber(
      boolean negative, int exponent, byte[] digits, int count, ByteSink sink) {
    var flip = negative ? 0xFF : 0x00;
    sink.put(negative ? NEGATIVE : POSITIVE);
    var e = exponent ^ Integer.MIN_VALUE;
    sink.putInt(negative ? ~e : e);
    for (var i = 0; i < count; i++) {
      sink.put(digits[i] ^ flip);
    }
    sink.put(flip);
  }

  /** UTF-8 (so bytes order like code points) with 0x00 escaped as 00 FF, ended by 00 01. */
  private static void encodeString(String s, ByteSink sink) {
    for (var i = 0; i < s.length(); i++) {
      var c = s.charAt(i);
      if (c != 0 && c < 0x80) {
        sink.put(c);
      } else {
        var bytes = s.substring(i).getBytes(StandardCharsets.UTF_8);
        for (var b : bytes) {
          sink.put(b);
          if (b == 0) {
            sink.put(0xFF);
          }
        }
        break;
      }
    }
    sink.put(0x00).put(0x01);
  }

  /**
   * Encodes the string of the ASCII characters {@code ascii[from, to)} (none of them NUL) into {@code
   * out} from its start, as {@link #encode} encodes that string, without building it; returns the
   * encoding's length, {@code to - from + 3}, which {@code out} must have room for.
   */
  public static int encodeAscii(byte[] ascii, int from, int to, byte[] out) {
    out[0] = STRING;
    System.arraycopy(ascii, from, out, 1, to - from);
    var n = 1 + to - from;
    out[n] = 0x00;
    out[n + 1] = 0x01;
    return n + 2;
  }

  public static Object decode(byte[] bytes) {
    var source = new ByteSource(bytes, 0);
    var value = decode(source);
    if (source.hasMore()) {
      throw new IllegalArgumentException("bytes after an encoded value");
    }
    return value;
  }

  public static Object decode(ByteSource source) {
    var tag = source.get();
    return switch (tag) {
      case NULL -> null;
      case FALSE -> Boolean.FALSE;
      case TRUE -> Boolean.TRUE;
      case ZERO -> 0L;
      case NEGATIVE, POSITIVE -> decodeNumber(tag == NEGATIVE, source);
      case TIMESTAMP -> new Timestamp(source.getLong() ^ Long.MIN_VALUE);
      case INTERVAL -> new Interval(source.getLong() ^ Long.MIN_VALUE);
      case STRING -> decodeString(source);
      case LIST -> {
        var list = new ArrayList<Object>();
        while (source.peek() != END) {
          list.add(decode(source));
        }
        source.get();
        yield Collections.unmodifiableList(list);
      }
      case OBJECT -> {
        var map = new LinkedHashMap<String, Object>();
        while (source.peek() != END) {
          var name = decodeString(source);
          map.put(name, decode(source));
        }
        source.get();
        yield Collections.unmodifiableMap(map);
      }
      default -> throw new IllegalArgumentException("bad key tag " + tag);
    };
  }

  /**
   * Integers within 64 bits come back as Long, everything else as a decimal without trailing 0s.
   */
  private static Object decodeNumber(boolean negative, ByteSource source) {
    var flip = negative ? 0xFF : 0x00;
    var e = source.getInt();
    var exponent = (negative ? ~e : e) ^ Integer.MIN_VALUE;
    var digits = new StringBuilder();
    for (var b = source.get() ^ flip; b != 0; b = source.get() ^ flip) {
      digits.append((char) b);
    }
    var unscaled = new BigInteger(digits.toString());
    var value = new BigDecimal(negative ? unscaled.negate() : unscaled, digits.length() - exponent);
    if (value.scale() <= 0) {
      var integral = value.setScale(0);
      if (integral.compareTo(LONG_MIN) >= 0 && integral.compareTo(LONG_MAX) <= 0) {
        return integral.longValueExact();
      }
      return integral;
    }
    return value;
  }

  private static String decodeString(ByteSource source) {
    var out = new ByteSink(16);
    while (true) {
      var b = source.get();
      if (b == 0) {
        if (source.get() == 0x01) {
          return new String(out.toByteArray(), StandardCharsets.UTF_8);
        }
        out.put(0);
      } else {
        out.put(b);
      }
    }
  }

  /** Every byte complemented: reverses the order of (prefix-free) encodings. */
  public static byte[] complement(byte[] bytes) {
    var out = Arrays.copyOf(bytes, bytes.length);
    for (var i = 0; i < out.length; i++) {
      out[i] = (byte) ~out[i];
    }
    return out;
  }
}
