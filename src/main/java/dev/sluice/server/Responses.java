package dev.sluice.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** JSON answers, and the one shape every error takes: {@code {"error":{"code":…,"message":…}}}. */
final class Responses {
  /** Members are snake_case on the wire, as in SPEC.md ({@code timeout_ms}). */
  static final ObjectMapper JSON =
      JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

  private Responses() {}

  static void json(Context ctx, Object value) {
    ctx.contentType("application/json").result(bytes(value));
  }

  static void error(Context ctx, int status, String code, String message, Map<String, Object> where) {
    ctx.status(status).contentType("application/json").result(errorBody(code, message, where));
  }

  static byte[] errorBody(String code, String message, Map<String, Object> where) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    error.putAll(where);
    return bytes(Map.of("error", error));
  }

  /** The code for an HTTP failure that no handler of ours produced: its reason, in snake_case. */
  static String codeFor(int status) {
    return switch (status) {
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "request_too_large";
      case 415 -> "unsupported_media_type";
      case 500 -> "internal";
      default -> org.eclipse.jetty.http.HttpStatus.getMessage(status)
          .toLowerCase(Locale.ROOT)
          .replaceAll("[^a-z0-9]+", "_");
    };
  }

  private static byte[] bytes(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
