package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.RowKey;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verify derives a view with more input events than it holds in memory again through scratch
 * storage, with the incremental operators: it reaches the same digests as the in-memory batch, it
 * still names a tampered row, and it leaves no scratch store behind.
 */
class ScratchRebuildTest {
  private static final String VIEW = "FROM orders |> JOIN customers USING (customer_id)"
      + " |> AGGREGATE count(*) AS n, sum(amount) AS total, max(amount) AS top GROUP BY country";

  @TempDir Path data;

  @BeforeEach
  void fill() throws Exception {
    Random random = new Random(5);
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults());
        Engine engine = Engine.open(log, data.resolve("views"))) {
      log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
      log.create(new StreamSpec("customers", StreamKind.TABLE, "customer_id", 2), false);
      Token token = Token.empty();
      for (int round = 0; round < 20; round++) {
        List<Event> customers = new ArrayList<>();
        for (int c = 0; c < 5; c++) {
          String id = "c" + random.nextInt(12);
          customers.add(random.nextInt(6) == 0
              ? new Event(id, null, null, List.of(), true, json("{}"))
              : Event.of(id, json("{\"customer_id\":\"" + id + "\",\"country\":\"" + List.of("FR", "DE", "IT").get(random.nextInt(3)) + "\"}")));
        }
        token = token.merge(log.append("customers", customers).get().token());
        List<Event> orders = new ArrayList<>();
        for (int o = 0; o < 10; o++) {
          String id = "o" + round + "-" + o;
          orders.add(Event.of(id, json("{\"order_id\":\"" + id + "\",\"customer_id\":\"c" + random.nextInt(12)
              + "\",\"amount\":" + random.nextInt(500) + "}")));
        }
        token = token.merge(log.append("orders", orders).get().token());
      }
      Statement.Query query = (Statement.Query) Parser.parseStatement(VIEW);
      engine.create("by_country", query.pipeline(), VIEW, false, false);
      engine.scan("by_country", null, null, null, 10, token, Duration.ofSeconds(30));
    }
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theScratchRebuildReachesTheDigestsOfTheBatchAndOfTheLiveView() throws Exception {
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults())) {
      ViewAudit.Result inMemory = ViewAudit.run(log, data.resolve("views"));
      ViewAudit.Result scratch = ViewAudit.run(log, data.resolve("views"), 0);

      assertThat(inMemory.findings()).isEmpty();
      assertThat(scratch.findings()).isEmpty();
      assertThat(scratch.checked()).extracting(ViewAudit.Checked::expectedDigest)
          .isEqualTo(inMemory.checked().stream().map(ViewAudit.Checked::expectedDigest).toList());
      assertThat(scratch.checked().get(0).rows()).isPositive();
      try (var left = Files.list(data.resolve("views"))) {
        assertThat(left.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith("verify-scratch"));
      }
    }
  }

  @Test
  void theScratchRebuildNamesATamperedRow() throws Exception {
    String tampered = "{\"country\":\"FR\",\"n\":1,\"total\":1,\"top\":1}";
    try (KeyValueStore store = KeyValueStore.open(data.resolve("views/state"))) {
      Space space = store.space("view:by_country:1");
      try (var batch = space.batch()) {
        batch.put(Keys.row(RowKey.of("FR").bytes()), json(tampered));
        batch.commit();
      }
    }
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults())) {
      ViewAudit.Result scratch = ViewAudit.run(log, data.resolve("views"), 0);

      assertThat(scratch.findings()).extracting(ViewAudit.Finding::describe)
          .anyMatch(f -> f.startsWith("view 'by_country' key \"FR\": row differs;") && f.endsWith("actual " + tampered));
    }
  }
}
