package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.ChangelogRetention;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Ownership;
import dev.sluice.engine.ViewStatus;
import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.operators.RowKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two instances of one cluster on one broker run the same views, whichever of them declared them. */
@Tag("kafka")
class SharedDeclarationsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private String cluster;
  private Instance a;
  private Instance b;

  /** One Sluice instance: its own log client, its own state folder. */
  private record Instance(KafkaLog log, KafkaDeclarations declarations, Engine engine) implements AutoCloseable {
    static Instance open(String cluster, Path dir) throws Exception {
      KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(TestKafka.bootstrapServers()).withCluster(cluster));
      KafkaDeclarations declarations = new KafkaDeclarations(log.catalog());
      return new Instance(log, declarations, Engine.open(log, dir, ChangelogRetention.DEFAULT, declarations, Ownership.ALL));
    }

    @Override
    public void close() {
      engine.close();
      declarations.close();
      log.close();
    }
  }

  @BeforeEach
  void open() throws Exception {
    cluster = TestKafka.newCluster("shared");
    a = Instance.open(cluster, dir.resolve("a"));
    a.log.create(new StreamSpec("orders", StreamKind.STREAM, "customer", 2), false);
    b = Instance.open(cluster, dir.resolve("b"));
  }

  @AfterEach
  void close() {
    for (Instance i : new Instance[] {a, b}) {
      if (i != null) {
        i.close();
      }
    }
  }

  private Token append(Instance on, String customer, long amount) throws Exception {
    String json = "{\"customer\":\"" + customer + "\",\"amount\":" + amount + "}";
    return on.log.append("orders", List.of(new Event(customer, null, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8))))
        .get(30, TimeUnit.SECONDS).token();
  }

  private static String row(Instance on, String view, String key, Token after) {
    Optional<byte[]> row = on.engine.row(view, RowKey.of(key), after, WAIT);
    return row.map(r -> new String(r, StandardCharsets.UTF_8)).orElse(null);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
      }
      Thread.sleep(20);
    }
  }

  private static long version(Instance on, String view) {
    return on.engine.view(view).map(ViewStatus::version).orElse(0L);
  }

  @Test
  void aViewDeclaredOnOneInstanceRunsOnTheOtherWithTheSameRows() throws Exception {
    append(a, "ann", 5);
    a.engine.create("spend", "FROM orders |> AGGREGATE sum(amount) AS total GROUP BY customer", false, false);
    await("instance b runs the view a declared", () -> b.engine.names().contains("spend"));
    Token t = append(b, "ann", 7);

    assertThat(row(a, "spend", "ann", t)).isEqualTo(row(b, "spend", "ann", t)).contains("\"total\":12");
  }

  @Test
  void aReplacementAndADropOnOneInstanceReachTheOther() throws Exception {
    Token t = append(a, "bob", 3);
    a.engine.create("spend", "FROM orders |> AGGREGATE sum(amount) AS total GROUP BY customer", false, false);
    await("b runs version 1", () -> version(b, "spend") == 1);

    b.engine.create("spend", "FROM orders |> AGGREGATE count(*) AS n GROUP BY customer", true, false);
    await("a serves version 2", () -> version(a, "spend") == 2);
    assertThat(row(a, "spend", "bob", t)).contains("\"n\":1");

    a.engine.drop("spend", false);
    await("b dropped the view", () -> !b.engine.names().contains("spend"));
  }

  @Test
  void anInstanceThatWasAwayCatchesUpWithDeclarationsMadeMeanwhile() throws Exception {
    a.engine.create("gone", "FROM orders |> AGGREGATE count(*) AS n GROUP BY customer", false, false);
    a.engine.create("kept", "FROM orders |> AGGREGATE count(*) AS n GROUP BY customer", false, false);
    await("b runs both views", () -> b.engine.names().containsAll(List.of("gone", "kept")));
    b.close();
    b = null;

    a.engine.drop("gone", false);
    a.engine.create("kept", "FROM orders |> AGGREGATE sum(amount) AS total GROUP BY customer", true, false);
    a.engine.create("new", "FROM orders |> WHERE amount > 1", false, false);
    Token t = append(a, "cy", 4);

    b = Instance.open(cluster, dir.resolve("b"));
    assertThat(b.engine.names()).containsExactly("kept", "new");
    await("b serves the replacement of 'kept'", () -> version(b, "kept") == 2);
    assertThat(row(b, "kept", "cy", t)).contains("\"total\":4");
  }
}
