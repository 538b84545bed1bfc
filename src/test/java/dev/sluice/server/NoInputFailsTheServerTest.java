package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.stores.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Mangled bodies, content types and query strings: whatever a client sends, the answer is a 2xx or
 * a 4xx in the error shape — never a server fault — and a rejected append changes nothing.
 */
class NoInputFailsTheServerTest {
  private static final String VALID = "{\"order_id\":\"a\",\"n\":1.5,\"tags\":[\"x\",null],\"_id\":\"i\",\"_time\":3}\n"
      + "[{\"_key\":\"b\",\"_causes\":[\"i\"]}]\n{\"order_id\":7,\"_delete\":false,\"s\":\"\\u00e9\"}";
  private static Path dataDir;
  private static TestServer server;

  @BeforeContainer
  static void start() throws IOException {
    dataDir = Files.createTempDirectory("sluice-fuzz");
    server = TestServer.onEmbeddedLog(dataDir, Config.defaults().withEventBytesLimit(200));
    server.exec("CREATE STREAM orders KEY order_id PARTITIONS 3");
  }

  @AfterContainer
  static void stop() throws IOException {
    server.close();
    Folders.delete(dataDir);
  }

  @Property(tries = 300)
  void anyAppendIsAnsweredAndAppendsAllOrNothing(@ForAll("bodies") String body, @ForAll("contentTypes") String type) {
    String before = server.endOffsets();

    TestServer.Answer answer = server.post("/streams/orders/events", body, type);

    assertThat(answer.status()).as(answer.body()).isIn(200, 400, 413, 415);
    assertThat(answer.contentType()).startsWith("application/json");
    JsonNode json = answer.json();
    if (answer.status() == 200) {
      assertThat(json.get("appended").asInt() + json.get("duplicates").asInt()).isEqualTo(json.get("positions").size());
    } else {
      assertThat(json.path("error").path("code").asText()).isNotEmpty();
      assertThat(server.endOffsets()).isEqualTo(before);
    }
  }

  @Property(tries = 200)
  void anyReadIsAnsweredWithEventsOrAClientError(@ForAll("queries") String query) {
    TestServer.Answer answer = server.rawGet("/streams/orders/events?" + query);

    assertThat(answer.status()).as(answer.body()).isIn(200, 400, 404);
  }

  /** Insert, delete or replace one character, or cut the body short. */
  record Edit(int kind, int at, char c) {
    void apply(StringBuilder body) {
      int i = Math.min(at, body.length() - 1);
      switch (kind) {
        case 0 -> body.insert(i, c);
        case 1 -> body.deleteCharAt(i);
        case 2 -> body.setCharAt(i, c);
        default -> body.setLength(i);
      }
    }
  }

  @Provide
  Arbitrary<String> bodies() {
    Arbitrary<Character> junk = Arbitraries.of('{', '}', '[', ']', '"', ':', ',', '_', '\\', '\n', ' ', '1', 'e', '-', 'x');
    Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 3),
        Arbitraries.integers().between(0, VALID.length() - 1), junk).as(Edit::new);
    return edit.list().ofMaxSize(4).map(edits -> {
      StringBuilder body = new StringBuilder(VALID);
      for (Edit e : edits) {
        if (!body.isEmpty()) {
          e.apply(body);
        }
      }
      return body.toString();
    });
  }

  @Provide
  Arbitrary<String> contentTypes() {
    return Arbitraries.of("application/json", "application/x-ndjson", "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x");
  }

  @Provide
  Arbitrary<String> queries() {
    Arbitrary<String> names = Arbitraries.of("partition", "from", "limit", "follow", "fro", "", "%zz", "limit%3D");
    Arbitrary<String> values = Arbitraries.oneOf(
        Arbitraries.of("0", "1", "2", "3", "-1", "99999999999999999999", "true", "false", "", "%", "%e9", "1e3", " 1"),
        Arbitraries.longs().map(String::valueOf));
    Arbitrary<String> pair = Combinators.combine(names, values).as((n, v) -> n + "=" + v);
    return pair.list().ofMaxSize(4).map(pairs -> String.join("&", pairs).replace(" ", "%20"))
        .filter(q -> !q.contains("follow=true") && !q.matches(".*follow=(&.*)?$"));
  }
}
