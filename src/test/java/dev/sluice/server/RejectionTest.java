package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Partitioner;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad request gets its 4xx with the right code and appends nothing. Each bad body starts with
 * a good event, so a server that appended part of a request would be caught.
 */
class RejectionTest {
  private static final String GOOD = "{\"order_id\":\"good\"}";
  private static TestServer server;

  @BeforeAll
  static void start(@TempDir Path dataDir) {
    server = TestServer.onEmbeddedLog(dataDir,
        Config.defaults().withEventBytesLimit(1000).withRequestBytesLimit(64 * 1024));
    server.exec("CREATE STREAM orders KEY order_id PARTITIONS 2; CREATE STREAM keyless");
    server.post("/streams/orders/events", GOOD);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Stream<Arguments> badAppends() {
    return Stream.of(
        Arguments.of("malformed JSON", GOOD + "\n{\"order_id\": \"x\",,}", 400, "bad_json", "line 2, column 18"),
        Arguments.of("unclosed object", "[" + GOOD + ",\n {\"order_id\":1", 400, "bad_json", "line 2"),
        Arguments.of("junk after the array", "[" + GOOD + "] {}", 400, "bad_json", "line 1, column 23"),
        Arguments.of("not an object", "[" + GOOD + ", \"text\"]", 400, "invalid_event", "event 2"),
        Arguments.of("missing key", "[" + GOOD + ", {\"amount\":1}]", 400, "missing_key", "'order_id'"),
        Arguments.of("null key", GOOD + "\n{\"order_id\":null}", 400, "missing_key", "event 2 (line 2"),
        Arguments.of("key that is an object", GOOD + "{\"order_id\":{}}", 400, "invalid_event", "must be a string or a number"),
        Arguments.of("unknown envelope member", "[" + GOOD + ", {\"order_id\":1,\"_colour\":\"red\"}]", 400,
            "invalid_event", "'_colour'"),
        Arguments.of("_offset sent by the client", GOOD + "{\"order_id\":1,\"_offset\":3}", 400, "invalid_event", "_offset"),
        Arguments.of("_delete on a stream", GOOD + "{\"order_id\":1,\"_delete\":true}", 400, "invalid_event", "TABLE"),
        Arguments.of("_time in words", GOOD + "{\"order_id\":1,\"_time\":\"noon\"}", 400, "invalid_event", "'noon'"),
        Arguments.of("_causes not strings", GOOD + "{\"order_id\":1,\"_causes\":[1]}", 400, "invalid_event", "_causes"),
        Arguments.of("empty _id", GOOD + "{\"order_id\":1,\"_id\":\"\"}", 400, "invalid_id", "_id"),
        Arguments.of("duplicate member", GOOD + "{\"order_id\":1,\"order_id\":2}", 400, "bad_json", "Duplicate field"),
        Arguments.of("event over the limit", GOOD + "{\"order_id\":1,\"text\":\"" + "x".repeat(2000) + "\"}", 413,
            "event_too_large", "event 2"),
        Arguments.of("no events", "[]", 400, "invalid_event", "no events"),
        Arguments.of("nesting too deep", GOOD + "{\"order_id\":1,\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}",
            400, "bad_json", "nesting depth"),
        Arguments.of("_time beyond a long", GOOD + "{\"order_id\":1,\"_time\":1e400}", 400, "invalid_event", "_time"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badAppends")
  void aBadAppendIsRejectedWhole(String what, String body, int status, String code, String mentions) {
    String before = server.endOffsets();

    TestServer.Answer answer = server.post("/streams/orders/events", body);

    assertRejected(answer, status, code, mentions);
    assertThat(server.endOffsets()).isEqualTo(before);
  }

  @Test
  void aBodyThatIsNotUtf8IsMalformedJson() {
    String before = server.endOffsets();
    byte[] body = "{\"order_id\":\"ab\"}".getBytes(StandardCharsets.UTF_8);
    body[14] = (byte) 0xff;

    assertRejected(server.send(HttpRequest.newBuilder(server.uri("/streams/orders/events"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build()), 400, "bad_json", "UTF-8");
    assertThat(server.endOffsets()).isEqualTo(before);
  }

  @Test
  void anEventWithoutKeyOnAKeylessStreamIsRejected() {
    assertRejected(server.post("/streams/keyless/events", "{\"a\":1}"), 400, "missing_key", "declares no KEY");
  }

  @Test
  void anArrayIsNotAnNdjsonLine() {
    String before = server.endOffsets();
    assertRejected(server.post("/streams/orders/events", GOOD + "\n[" + GOOD + "]", "application/x-ndjson"),
        400, "invalid_event", "line 2");
    assertThat(server.endOffsets()).isEqualTo(before);
  }

  @Test
  void anUnknownStreamIsNotFound() {
    assertRejected(server.post("/streams/nope/events", GOOD), 404, "unknown_stream", "'nope'");
    assertRejected(server.get("/streams/nope/events"), 404, "unknown_stream", "'nope'");
  }

  @Test
  void aBodyOverTheRequestLimitIsRejectedWithOrWithoutItsLength() {
    String before = server.endOffsets();
    String body = (GOOD + "\n").repeat(70 * 1024 / GOOD.length());

    assertRejected(server.post("/streams/orders/events", body, "application/x-ndjson"), 413, "request_too_large", "65536");
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    HttpRequest chunked = HttpRequest.newBuilder(server.uri("/streams/orders/events"))
        .header("Content-Type", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
        .build();
    assertRejected(server.send(chunked), 413, "request_too_large", "65536");
    assertThat(server.endOffsets()).isEqualTo(before);
  }

  @Test
  void aBodyOfAnUnsupportedTypeIsRejected() {
    assertRejected(server.post("/streams/orders/events", "<order/>", "application/xml"), 415,
        "unsupported_media_type", "application/xml");
  }

  static Stream<Arguments> badReads() {
    return Stream.of(
        Arguments.of("partition=x", 400, "invalid_argument", "'partition'"),
        Arguments.of("partition=-1", 400, "invalid_argument", "'partition'"),
        Arguments.of("partition=2", 404, "unknown_partition", "partitions 0 to 1"),
        Arguments.of("from=-5", 400, "invalid_argument", "'from'"),
        Arguments.of("from=1e3", 400, "invalid_argument", "'from'"),
        Arguments.of("limit=0", 400, "invalid_argument", "'limit'"),
        Arguments.of("limit=100001", 400, "invalid_argument", "'limit'"),
        Arguments.of("follow=yes", 400, "invalid_argument", "'follow'"),
        Arguments.of("offset=3", 400, "invalid_argument", "unknown parameter 'offset'"),
        Arguments.of("from=1&from=2", 400, "invalid_argument", "more than once"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badReads")
  void aBadReadParameterIsNamed(String query, int status, String code, String mentions) {
    assertRejected(server.get("/streams/orders/events?" + query), status, code, mentions);
  }

  @Test
  void aQueryStringThatIsNotUrlEncodingIsRejected() {
    assertRejected(server.rawGet("/streams/orders/events?from=%zz"), 400, "invalid_argument", "URL encoding");
    TestServer.Answer badPath = server.rawGet("/streams/%zz/events");
    assertThat(badPath.status()).isEqualTo(400);
    assertThat(badPath.contentType()).startsWith("application/json");
  }

  static Stream<Arguments> badStatements() {
    return Stream.of(
        Arguments.of("CREATE STREAM", 400, "syntax_error", "line 1, column 14"),
        Arguments.of("CREATE STREAM a;\nCREATE VIEW v", 400, "syntax_error", "line 2, column 14"),
        Arguments.of("CREATE STREAM a KEY", 400, "syntax_error", "line 1, column 20"),
        Arguments.of("CREATE STREAM a PARTITIONS many", 400, "syntax_error", "line 1, column 28"),
        Arguments.of("CREATE STREAM a PARTITIONS 5000", 400, "invalid_statement", "between 1 and 1024"),
        Arguments.of("CREATE STREAM a KEY x KEY y", 400, "duplicate_clause", "line 1, column 23"),
        Arguments.of("CREATE STREAM a KEY _time", 400, "invalid_statement", "line 1, column 21"),
        Arguments.of("CREATE STREAM \"Orders\"", 400, "invalid_name", "line 1, column 15"),
        Arguments.of("CREATE STREAM \"order", 400, "syntax_error", "line 1, column 15"),
        Arguments.of("CREATE STREAM fresh; CREATE STREAM orders", 409, "stream_exists", "line 1, column 22"),
        Arguments.of("CREATE STREAM fresh; CREATE STREAM fresh", 409, "stream_exists", "line 1, column 22"),
        Arguments.of("CREATE STREAM fresh;\n  SHOW VIEWS", 400, "invalid_statement", "line 2, column 3: SHOW VIEWS is not"),
        Arguments.of("CREATE VIEW v AS FROM orders", 400, "invalid_statement", "CREATE VIEW is not available yet"),
        Arguments.of("CREATE VIEW v WITH (lateness = INTERVAL 5 SECONDS) AS FROM orders", 400, "invalid_statement",
            "LATENESS INTERVAL"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badStatements")
  void aBadStatementIsPlacedAndChangesNothing(String text, int status, String code, String mentions) {
    String before = server.endOffsets();

    TestServer.Answer answer = server.post("/statements", text, "text/plain");

    assertRejected(answer, status, code, mentions);
    assertThat(server.endOffsets()).isEqualTo(before);
  }

  @Test
  void unknownRoutesAndWrongMethodsAreJsonErrors() {
    assertRejected(server.get("/no/such/thing"), 404, "not_found", "GET /no/such/thing");
    assertRejected(server.send(HttpRequest.newBuilder(server.uri("/streams")).DELETE().build()), 405,
        "method_not_allowed", "use GET");
    assertRejected(server.post("/health", ""), 405, "method_not_allowed", "POST");
  }

  @Test
  void theKeyPartitionsTheEventSoTheGoodEventIsWhereTheKeySays() {
    int partition = Partitioner.partition("good", 2);
    assertThat(server.get("/streams/orders/events?partition=" + partition).body()).contains("\"_key\":\"good\"");
  }

  private static void assertRejected(TestServer.Answer answer, int status, String code, String mentions) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    assertThat(answer.contentType()).startsWith("application/json");
    assertThat(answer.errorCode()).isEqualTo(code);
    assertThat(answer.errorMessage()).contains(mentions);
  }
}
