package dev.sluice.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamSpec;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the body of an append request into events: one JSON object, an array of them, or several
 * objects one after another (NDJSON). It streams tokens and copies each value straight into its
 * compact form, because building a tree per event would cost more than the log's whole append.
 */
public final class EventJson {

  /** How the body says it is framed. NDJSON bodies hold objects only; JSON bodies may be an array. */
  public enum Format {
    JSON,
    NDJSON
  }

  /**
   * Text outside the BMP is stored as UTF-8, not as escaped surrogates, so values stay compact.
   * Duplicate members are rejected ({@link Members}), not by the parser, whose check allocates a set
   * for every object of three members or more.
   */
  private static final JsonFactory JSON =
      new JsonFactoryBuilder()
          .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
          .rootValueSeparator((String) null)
          .build();

  private final JsonParser parser;
  private final StreamSpec spec;
  private final List<String> keyPath;
  private final Limits limits;
  private final ByteArrayBuilder valueBytes = new ByteArrayBuilder(256);
  private final JsonGenerator value;
  private final List<Event> events = new ArrayList<>();
  private final Members members = new Members();
  private final Envelope envelope = new Envelope(this);
  private int line;
  private int column;
  private boolean inEvent;

  /** The size limits a body is held to. */
  public record Limits(int eventBytesLimit, int eventsLimit) {}

  private EventJson(JsonParser parser, StreamSpec spec, Limits limits) throws IOException {
    this.parser = parser;
    this.spec = spec;
    this.keyPath = KeyPath.of(spec);
    this.limits = limits;
    this.value = JSON.createGenerator(valueBytes);
  }

  /**
   * Every event of the body, validated, or an {@link InputError} naming the first bad one. Nothing
   * is returned until the whole body has been read, so a caller never appends part of a request.
   */
  public static List<Event> parse(InputStream body, Format format, StreamSpec spec, Limits limits)
      throws IOException {
    try (JsonParser parser = JSON.createParser(body)) {
      EventJson reader = new EventJson(parser, spec, limits);
      try (JsonGenerator ignored = reader.value) {
        reader.readBody(format);
      } catch (JsonProcessingException e) {
        throw reader.malformed(e);
      }
      return reader.events;
    }
  }

  private void readBody(Format format) throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw new LogException(ErrorCode.INVALID_EVENT, "the request holds no events");
    }
    if (token == JsonToken.START_ARRAY && format == Format.JSON) {
      while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
        readEvent(token);
      }
      if (parser.nextToken() != null) {
        JsonLocation at = parser.currentTokenLocation();
        throw new InputError(ErrorCode.BAD_JSON, 0, at.getLineNr(), at.getColumnNr(),
            "malformed JSON: nothing may follow the array of events");
      }
    } else {
      do {
        readEvent(token);
      } while ((token = parser.nextToken()) != null);
    }
    if (events.isEmpty()) {
      throw new LogException(ErrorCode.INVALID_EVENT, "the request holds no events");
    }
  }

  private void readEvent(JsonToken token) throws IOException {
    JsonLocation at = parser.currentTokenLocation();
    line = at.getLineNr();
    column = at.getColumnNr();
    if (events.size() == limits.eventsLimit()) {
      throw new LogException(ErrorCode.REQUEST_TOO_LARGE,
          "the request holds more than " + limits.eventsLimit() + " events; send them in several requests");
    }
    if (token != JsonToken.START_OBJECT) {
      throw invalid(ErrorCode.INVALID_EVENT, "an event must be a JSON object, found " + describe(token));
    }
    inEvent = true;
    Envelope envelope = this.envelope.reset();
    value.writeStartObject();
    members.reset();
    members.open();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      members.add(name, parser);
      JsonToken member = parser.nextToken();
      if (name.startsWith("_")) {
        envelope.read(name, member, parser);
      } else {
        value.writeFieldName(name);
        if (keyPath != null && name.equals(keyPath.get(0))) {
          copyFindingKey(member, envelope, 1);
        } else {
          copyValue(member);
        }
      }
    }
    value.writeEndObject();
    value.flush();
    byte[] bytes = valueBytes.toByteArray();
    valueBytes.reset();
    Event event = envelope.toEvent(bytes);
    if (event.sizeBytes() > limits.eventBytesLimit()) {
      throw invalid(ErrorCode.EVENT_TOO_LARGE,
          "the event is " + event.sizeBytes() + " bytes; the limit is " + limits.eventBytesLimit());
    }
    events.add(event);
    inEvent = false;
  }

  /** Copies a value on the way down to the KEY member ({@code payment.id}), noting the key there. */
  private void copyFindingKey(JsonToken token, Envelope envelope, int level) throws IOException {
    if (level == keyPath.size()) {
      envelope.keyField(token, parser);
      copyValue(token);
      return;
    }
    if (token != JsonToken.START_OBJECT) {
      copyValue(token);
      return;
    }
    value.writeStartObject();
    members.open();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      members.add(name, parser);
      JsonToken member = parser.nextToken();
      value.writeFieldName(name);
      if (name.equals(keyPath.get(level))) {
        copyFindingKey(member, envelope, level + 1);
      } else {
        copyValue(member);
      }
    }
    members.close();
    value.writeEndObject();
  }

  /** Copies the value at the current token, keeping numbers exactly as written. */
  private void copyValue(JsonToken token) throws IOException {
    int depth = 0;
    do {
      switch (token) {
        case START_OBJECT -> {
          value.writeStartObject();
          members.open();
          depth++;
        }
        case START_ARRAY -> {
          value.writeStartArray();
          depth++;
        }
        case END_OBJECT -> {
          value.writeEndObject();
          members.close();
          depth--;
        }
        case END_ARRAY -> {
          value.writeEndArray();
          depth--;
        }
        case FIELD_NAME -> {
          String name = parser.currentName();
          members.add(name, parser);
          value.writeFieldName(name);
        }
        case VALUE_STRING -> value.writeString(
            parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> value.writeNumber(
            parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
        case VALUE_TRUE -> value.writeBoolean(true);
        case VALUE_FALSE -> value.writeBoolean(false);
        case VALUE_NULL -> value.writeNull();
        default -> throw new IllegalStateException("unexpected JSON token " + token);
      }
    } while (depth > 0 && (token = parser.nextToken()) != null);
  }

  /**
   * The member names of each open object of the event being read, reused from event to event. A
   * name seen twice in one object fails as the parser's own check would, naming the field.
   */
  private static final class Members {
    /** Beyond this many members an object's names go to a hash set; below it a scan is cheaper. */
    private static final int SCAN_MAX = 16;

    /** By depth: the first names of the open object, how many, and the set once there are more. */
    private String[][] names = new String[4][];
    private int[] counts = new int[4];
    private java.util.Set<?>[] sets = new java.util.Set<?>[4];
    private int depth;

    void reset() {
      depth = 0;
    }

    void open() {
      if (depth == names.length) {
        names = java.util.Arrays.copyOf(names, depth * 2);
        counts = java.util.Arrays.copyOf(counts, depth * 2);
        sets = java.util.Arrays.copyOf(sets, depth * 2);
      }
      if (names[depth] == null) {
        names[depth] = new String[SCAN_MAX];
      }
      counts[depth] = 0;
      if (sets[depth] != null) {
        sets[depth].clear();
      }
      depth++;
    }

    void close() {
      depth--;
    }

    @SuppressWarnings("unchecked")
    void add(String name, JsonParser parser) throws JsonParseException {
      int level = depth - 1;
      int count = counts[level];
      boolean duplicate = false;
      if (count < SCAN_MAX) {
        String[] seen = names[level];
        for (int i = 0; i < count && !duplicate; i++) {
          duplicate = seen[i].equals(name);
        }
        seen[count] = name;
        counts[level] = count + 1;
      } else {
        java.util.Set<String> set = (java.util.Set<String>) sets[level];
        if (set == null) {
          set = new java.util.HashSet<>();
          sets[level] = set;
        }
        if (set.isEmpty()) {
          set.addAll(java.util.Arrays.asList(names[level]));
        }
        duplicate = !set.add(name);
      }
      if (duplicate) {
        throw new JsonParseException(parser, "Duplicate field '" + name + "'", parser.currentTokenLocation());
      }
    }
  }

  InputError invalid(ErrorCode code, String detail) {
    return new InputError(code, events.size() + 1, line, column, detail);
  }

  StreamSpec spec() {
    return spec;
  }

  private InputError malformed(JsonProcessingException e) {
    JsonLocation at = e.getLocation() != null ? e.getLocation() : parser.currentLocation();
    // Jackson names the source in nested locations; the client knows its own body.
    String message = e.getOriginalMessage()
        .replaceAll("\\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)]", "line $1, column $2");
    return new InputError(ErrorCode.BAD_JSON, inEvent ? events.size() + 1 : 0, at.getLineNr(), at.getColumnNr(), "malformed JSON: " + message);
  }

  static String describe(JsonToken token) {
    return switch (token) {
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.asString();
    };
  }
}
