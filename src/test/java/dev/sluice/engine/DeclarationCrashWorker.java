package dev.sluice.engine;

import dev.sluice.kafka.cluster.KafkaDeclarations;
import dev.sluice.kafka.log.KafkaLog;
import java.nio.file.Path;

/**
 * The child JVM of {@link DeclarationCrashTest}: one Sluice instance on Kafka declaring views one
 * after another, printing {@code ready} once open and {@code ack NAME} after each CREATE VIEW
 * returns, until it is killed.
 *
 * <p>Arguments: bootstrap servers, cluster name, state folder, first view number.
 */
public final class DeclarationCrashWorker {
  private DeclarationCrashWorker() {}

  public static void main(String[] args) {
    KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(args[0]).withCluster(args[1]));
    KafkaDeclarations declarations = new KafkaDeclarations(log.catalog());
    Engine engine = Engine.open(log, Path.of(args[2]), ChangelogRetention.DEFAULT, declarations, Ownership.ALL);
    System.out.println("ready");
    System.out.flush();
    for (int i = Integer.parseInt(args[3]); ; i++) {
      String name = "v" + i;
      if (i % 3 == 2) {
        engine.create("v" + (i - 1), "FROM orders |> AGGREGATE sum(amount) AS total GROUP BY customer", true, false);
        engine.drop("v" + (i - 2), false);
        name = "-v" + (i - 2) + " v" + (i - 1) + "@2";
      } else {
        engine.create(name, "FROM orders |> AGGREGATE count(*) AS n GROUP BY customer", false, false);
      }
      System.out.println("ack " + name);
      System.out.flush();
    }
  }
}
