package dev.sluice.operators;

import dev.sluice.operators.internal.JsonValues;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One row of a collection: named fields in a fixed order, and for rows that still stand for one
 * source event, that event's {@link Envelope}. Immutable.
 *
 * <p>Values are Java {@code null}, {@link Boolean}, {@link Long}, {@link java.math.BigDecimal},
 * {@link String}, {@link Timestamp}, {@link Interval}, {@link java.util.List} and {@link Map} (of
 * String to value). A field that is absent reads as NULL.
 *
 * <p>Equality is over the fields (names, order and values), not the envelope: two rows that would
 * be stored as the same JSON are equal.
 */
public final class Row {
  private final String[] names;
  private final Object[] values;
  private final Envelope envelope;

  private Row(String[] names, Object[] values, Envelope envelope) {
    this.names = names;
    this.values = values;
    this.envelope = envelope;
  }

  /**
   * A row over the given arrays, which the caller hands over and must not change afterwards: rows
   * are built once per event on the hot path, so they are not copied. Names must be distinct.
   */
  public static Row wrap(String[] names, Object[] values, Envelope envelope) {
    if (names.length != values.length) {
      throw new IllegalArgumentException(names.length + " names for " + values.length + " values");
    }
    return new Row(names, values, envelope);
  }

  /** A row of the map's entries in its iteration order, without an envelope. */
  public static Row of(Map<String, ?> fields) {
    var names = fields.keySet().toArray(String[]::new);
    var values = new Object[names.length];
    var i = 0;
    for (var value : fields.values()) {
      values[i++] = value;
    }
    return new Row(names, values, null);
  }

  /**
   * Parses one JSON object (an event's value); throws IllegalArgumentException if it is not one.
   */
  public static Row fromJson(byte[] json, Envelope envelope) {
    return JsonValues.parseRow(json, envelope);
  }

  public int size() {
    return names.length;
  }

  public String name(int index) {
    return names[index];
  }

  public Object value(int index) {
    return values[index];
  }

  /** The index of field {@code name}, or -1. */
  public int indexOf(String name) {
    for (var i = 0; i < names.length; i++) {
      // Field names from the parser and from Jackson are interned, so identity usually decides.
      if (names[i] == name || names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** The field's value; NULL (Java null) when the row has no such field. */
  public Object get(String name) {
    var i = indexOf(name);
    return i < 0 ? null : values[i];
  }

  public Optional<Envelope> envelope() {
    return Optional.ofNullable(envelope);
  }

  /**
   * This row with {@code name} set to {@code value}: replaced in place if present, else appended.
   */
  public Row with(String name, Object value) {
    var i = indexOf(name);
    if (i >= 0) {
      var copy = values.clone();
      copy[i] = value;
      return new Row(names, copy, envelope);
    }
    var moreNames = Arrays.copyOf(names, names.length + 1);
    var moreValues = Arrays.copyOf(values, values.length + 1);
    moreNames[names.length] = name;
    moreValues[values.length] = value;
    return new Row(moreNames, moreValues, envelope);
  }

  public Map<String, Object> toMap() {
    var map = new LinkedHashMap<String, Object>();
    for (var i = 0; i < names.length; i++) {
      map.put(names[i], values[i]);
    }
    return map;
  }

  /** The fields as one JSON object: timestamps as ISO-8601 strings, intervals as milliseconds. */
  public byte[] toJson() {
    return JsonValues.write(this);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Row row
        && Arrays.equals(names, row.names)
        && Arrays.equals(values, row.values);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(names) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return new String(toJson(), java.nio.charset.StandardCharsets.UTF_8);
  }
}
