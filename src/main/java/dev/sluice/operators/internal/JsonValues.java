package dev.sluice.operators.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.sluice.operators.Envelope;
import dev.sluice.operators.Interval;
import dev.sluice.operators.Row;
import dev.sluice.operators.Timestamp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON ⇄ values with Jackson's streaming API: one pass, no tree, and field names that Jackson
 * canonicalizes and interns, so a row of a million events shares one String per field name.
 */
public final class JsonValues {
  /** Why a limit: a hostile value nested deeper than this would overflow the stack. */
  static final int DEPTH_MAX = 200;

  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  private JsonValues() {}

  /** Parses a JSON object into a row of all its members. */
  public static Row parseRow(byte[] json, Envelope envelope) {
    try (var parser = FACTORY.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("the value is not a JSON object");
      }
      var names = new String[8];
      var values = new Object[8];
      var size = 0;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        var name = parser.currentName();
        var token = parser.nextToken();
        var value = read(parser, token, 1);
        var existing = indexOf(names, size, name);
        if (existing >= 0) {
          values[existing] = value; // a repeated member: the last one wins, as in JavaScript
          continue;
        }
        if (size == names.length) {
          names = Arrays.copyOf(names, size * 2);
          values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size++] = value;
      }
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException("the value has text after its JSON object");
      }
      return Row.wrap(Arrays.copyOf(names, size), Arrays.copyOf(values, size), envelope);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the value is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One JSON value, held in {@code length} bytes from {@code offset}. */
  static Object parseValue(byte[] json, int offset, int length) {
    try (var parser = FACTORY.createParser(json, offset, length)) {
      return read(parser, parser.nextToken(), 1);
    } catch (IOException e) {
      throw new IllegalArgumentException("the value is not valid JSON: " + e.getMessage());
    }
  }

  /** The JSON string literal from {@code start} (its opening quote) to {@code end}, decoded. */
  static String parseString(byte[] json, int start, int end) {
    return (String) parseValue(json, start, end - start);
  }

  private static int indexOf(String[] names, int size, String name) {
    for (var i = 0; i < size; i++) {
      if (names[i] == name) {
        return i;
      }
    }
    return -1;
  }

  private static Object read(JsonParser parser, JsonToken token, int depth) throws IOException {
    if (depth > DEPTH_MAX) {
      throw new IllegalArgumentException("the value nests deeper than " + DEPTH_MAX + " levels");
    }
    return switch (token) {
      case VALUE_NULL -> null;
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT ->
          parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              ? new BigDecimal(parser.getBigIntegerValue())
              : (Object) parser.getLongValue();
      case VALUE_NUMBER_FLOAT -> parser.getDecimalValue();
      case START_ARRAY -> {
        var list = new ArrayList<Object>();
        for (var next = parser.nextToken();
            next != JsonToken.END_ARRAY;
            next = parser.nextToken()) {
          list.add(read(parser, next, depth + 1));
        }
        yield Collections.unmodifiableList(list);
      }
      case START_OBJECT -> {
        var map = new LinkedHashMap<String, Object>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          var name = parser.currentName();
          map.put(name, read(parser, parser.nextToken(), depth + 1));
        }
        yield Collections.unmodifiableMap(map);
      }
      default -> throw new IllegalArgumentException("unexpected JSON token " + token);
    };
  }

  public static byte[] write(Row row) {
    var out = new ByteArrayOutputStream(64 + 16 * row.size());
    try (var generator = FACTORY.createGenerator(out)) {
      generator.writeStartObject();
      for (var i = 0; i < row.size(); i++) {
        generator.writeFieldName(row.name(i));
        write(generator, row.value(i));
      }
      generator.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** One value as JSON text, for {@code ||} on lists and objects and for error messages. */
  public static String text(Object value) {
    if (value instanceof String s && needsNoEscape(s)) {
      return '"' + s + '"'; // the common case (a row key, say) without a generator per call
    }
    var out = new ByteArrayOutputStream();
    try (var generator = FACTORY.createGenerator(out)) {
      write(generator, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Printable ASCII other than a quote or a backslash: JSON writes it between quotes as it is. */
  private static boolean needsNoEscape(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  private static void write(JsonGenerator generator, Object value) throws IOException {
    switch (value) {
      case null -> generator.writeNull();
      case Boolean b -> generator.writeBoolean(b);
      case Long l -> generator.writeNumber(l);
      case BigDecimal d -> generator.writeNumber(d);
      case String s -> generator.writeString(s);
      case Timestamp t -> generator.writeString(t.toString());
      case Interval i -> generator.writeNumber(i.millis());
      case List<?> list -> {
        generator.writeStartArray();
        for (var element : list) {
          write(generator, element);
        }
        generator.writeEndArray();
      }
      case Map<?, ?> map -> {
        generator.writeStartObject();
        for (var entry : map.entrySet()) {
          generator.writeFieldName((String) entry.getKey());
          write(generator, entry.getValue());
        }
        generator.writeEndObject();
      }
      default ->
          throw new IllegalArgumentException("not a Sluice value: " + value.getClass().getName());
    }
  }
}
