package dev.sluice.log;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A consistency token: for each (stream, partition) it names, the end offset (exclusive) that a
 * reader's state must include. Opaque to clients; tokens merge by taking the maximum per partition,
 * so one token can cover writes to many streams.
 */
public final class Token {
  private static final String VERSION = "1";
  private final Map<String, Map<Integer, Long>> ends;

  private Token(Map<String, Map<Integer, Long>> ends) {
    this.ends = ends;
  }

  public static Token empty() {
    return new Token(new TreeMap<>());
  }

  /** The token covering the given positions of one stream. */
  public static Token of(String stream, Iterable<Position> positions) {
    Map<Integer, Long> partitionEnds = new TreeMap<>();
    for (Position p : positions) {
      partitionEnds.merge(p.partition(), p.offset() + 1, Math::max);
    }
    Map<String, Map<Integer, Long>> ends = new TreeMap<>();
    ends.put(stream, partitionEnds);
    return new Token(ends);
  }

  /**
   * The token covering offsets below {@code ends[p]} of each partition p of one stream; partitions
   * with an end of 0 are left out.
   */
  public static Token ofEnds(String stream, long[] ends) {
    Map<Integer, Long> partitionEnds = new TreeMap<>();
    for (int p = 0; p < ends.length; p++) {
      if (ends[p] > 0) {
        partitionEnds.put(p, ends[p]);
      }
    }
    Map<String, Map<Integer, Long>> all = new TreeMap<>();
    all.put(stream, partitionEnds);
    return new Token(all);
  }

  public Token merge(Token other) {
    Map<String, Map<Integer, Long>> merged = new TreeMap<>();
    ends.forEach((s, m) -> merged.put(s, new TreeMap<>(m)));
    other.ends.forEach(
        (s, m) -> m.forEach((p, o) -> merged.computeIfAbsent(s, k -> new TreeMap<>()).merge(p, o, Math::max)));
    return new Token(merged);
  }

  /** Stream → partition → end offset (exclusive). */
  public Map<String, Map<Integer, Long>> ends() {
    return Collections.unmodifiableMap(ends);
  }

  public String encode() {
    StringBuilder text = new StringBuilder(VERSION);
    ends.forEach(
        (stream, partitions) -> {
          text.append(';').append(stream).append(':');
          boolean first = true;
          for (Map.Entry<Integer, Long> e : partitions.entrySet()) {
            if (!first) {
              text.append(',');
            }
            text.append(e.getKey()).append('=').append(e.getValue());
            first = false;
          }
        });
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  public static Token decode(String token) {
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(token);
    }
    String[] parts = text.split(";");
    if (!parts[0].equals(VERSION)) {
      throw invalid(token);
    }
    Map<String, Map<Integer, Long>> ends = new TreeMap<>();
    try {
      for (int i = 1; i < parts.length; i++) {
        int colon = parts[i].indexOf(':');
        String stream = parts[i].substring(0, colon);
        Map<Integer, Long> partitions = new TreeMap<>();
        for (String entry : parts[i].substring(colon + 1).split(",")) {
          int eq = entry.indexOf('=');
          partitions.put(Integer.parseInt(entry.substring(0, eq)), Long.parseLong(entry.substring(eq + 1)));
        }
        ends.put(stream, partitions);
      }
    } catch (RuntimeException e) {
      throw invalid(token);
    }
    return new Token(ends);
  }

  private static LogException invalid(String token) {
    return new LogException(ErrorCode.INVALID_ARGUMENT, "not a Sluice token: '" + token + "'");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Token t && t.ends.equals(ends);
  }

  @Override
  public int hashCode() {
    return ends.hashCode();
  }

  @Override
  public String toString() {
    return ends.toString();
  }
}
