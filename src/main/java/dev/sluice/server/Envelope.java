package dev.sluice.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** The {@code _} members of one event being read, and the stream's KEY member if it has one. */
final class Envelope {
  private final EventJson reader;
  private String key;
  private String keyFromField;
  private JsonToken keyFieldUnusable;
  private String id;
  private Long timeMs;
  private List<String> causes = List.of();
  private boolean delete;

  Envelope(EventJson reader) {
    this.reader = reader;
  }

  /** Forgets the last event's members: one envelope serves every event of a request. */
  Envelope reset() {
    key = null;
    keyFromField = null;
    keyFieldUnusable = null;
    id = null;
    timeMs = null;
    causes = List.of();
    delete = false;
    return this;
  }

  void read(String name, JsonToken token, JsonParser parser) throws IOException {
    switch (name) {
      case "_key" -> key = keyText(token, parser, "_key");
      case "_id" -> id = id(token, parser);
      case "_time" -> timeMs = time(token, parser);
      case "_causes" -> causes = causes(token, parser);
      case "_delete" -> delete = delete(token);
      case "_partition", "_offset" -> throw reader.invalid(
          ErrorCode.INVALID_EVENT, name + " is assigned by the log; an event cannot carry it");
      default -> throw reader.invalid(ErrorCode.INVALID_EVENT,
          "unknown envelope member '" + name + "' (the envelope is _key, _id, _time, _causes and _delete)");
    }
  }

  /** The stream's KEY member, which becomes {@code _key} when the event has none. */
  void keyField(JsonToken token, JsonParser parser) throws IOException {
    if (token == JsonToken.VALUE_STRING || token.isNumeric()) {
      keyFromField = parser.getText();
    } else if (token != JsonToken.VALUE_NULL) {
      keyFieldUnusable = token;
    }
  }

  Event toEvent(byte[] value) {
    StreamSpec spec = reader.spec();
    String eventKey = key != null ? key : keyFromField;
    if (eventKey == null) {
      throw missingKey(spec);
    }
    if (delete && spec.kind() != StreamKind.TABLE) {
      throw reader.invalid(ErrorCode.INVALID_EVENT,
          "_delete is only valid on a TABLE; '" + spec.name() + "' is a STREAM");
    }
    try {
      return new Event(eventKey, id, timeMs, causes, delete, value);
    } catch (LogException e) {
      throw reader.invalid(e.code(), e.getMessage());
    }
  }

  private LogException missingKey(StreamSpec spec) {
    if (spec.keyField() == null) {
      return reader.invalid(ErrorCode.MISSING_KEY,
          "no _key, and stream '" + spec.name() + "' declares no KEY field to take it from");
    }
    if (keyFieldUnusable != null) {
      return reader.invalid(ErrorCode.INVALID_EVENT, "'" + spec.keyField() + "' (the KEY of stream '"
          + spec.name() + "') must be a string or a number, found " + EventJson.describe(keyFieldUnusable));
    }
    return reader.invalid(ErrorCode.MISSING_KEY,
        "no _key and no '" + spec.keyField() + "' member (the KEY of stream '" + spec.name() + "')");
  }

  private String keyText(JsonToken token, JsonParser parser, String name) throws IOException {
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (token != JsonToken.VALUE_STRING && !token.isNumeric()) {
      throw reader.invalid(ErrorCode.INVALID_EVENT,
          name + " must be a string or a number, found " + EventJson.describe(token));
    }
    return parser.getText();
  }

  private String id(JsonToken token, JsonParser parser) throws IOException {
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (token != JsonToken.VALUE_STRING) {
      throw reader.invalid(ErrorCode.INVALID_ID, "_id must be a string, found " + EventJson.describe(token));
    }
    return parser.getText();
  }

  private Long time(JsonToken token, JsonParser parser) throws IOException {
    try {
      return switch (token) {
        case VALUE_NULL -> null;
        case VALUE_NUMBER_INT -> parser.getLongValue();
        case VALUE_NUMBER_FLOAT -> parser.getDecimalValue().longValueExact();
        case VALUE_STRING -> parseTime(parser.getText());
        default -> throw badTime(EventJson.describe(token));
      };
    } catch (InputCoercionException | ArithmeticException e) {
      throw badTime(parser.getText());
    }
  }

  private LogException badTime(String found) {
    return reader.invalid(ErrorCode.INVALID_EVENT,
        "_time must be whole epoch milliseconds or an ISO-8601 time, found " + found);
  }

  /** ISO-8601 with an offset; a time or date without one is taken as UTC. */
  private Long parseTime(String text) {
    try {
      return Instant.parse(text).toEpochMilli();
    } catch (DateTimeParseException notInstant) {
      try {
        return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
      } catch (DateTimeParseException notLocal) {
        try {
          return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeParseException notDate) {
          throw badTime("'" + text + "'");
        }
      }
    }
  }

  private List<String> causes(JsonToken token, JsonParser parser) throws IOException {
    if (token == JsonToken.VALUE_NULL) {
      return List.of();
    }
    if (token != JsonToken.START_ARRAY) {
      throw reader.invalid(ErrorCode.INVALID_EVENT,
          "_causes must be an array of operation ids, found " + EventJson.describe(token));
    }
    List<String> ids = new ArrayList<>();
    JsonToken element;
    while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
      if (element != JsonToken.VALUE_STRING) {
        throw reader.invalid(ErrorCode.INVALID_EVENT,
            "_causes must hold operation ids (strings), found " + EventJson.describe(element));
      }
      ids.add(parser.getText());
    }
    return ids;
  }

  private boolean delete(JsonToken token) {
    return switch (token) {
      case VALUE_TRUE -> true;
      case VALUE_FALSE, VALUE_NULL -> false;
      default -> throw reader.invalid(ErrorCode.INVALID_EVENT,
          "_delete must be true or false, found " + EventJson.describe(token));
    };
  }
}
