package dev.sluice.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** What {@code serve} and {@code verify} share of {@code --backend kafka}: the options' checks, the client settings file and the clients' logging. */
final class KafkaClientSettings {
  private KafkaClientSettings() {}

  /**
   * Whether {@code --backend} chose Kafka, once the backend options are checked to go together:
   * {@code --kafka} with {@code --backend kafka} and only then, {@code --kafka-config} only with
   * {@code --kafka}.
   */
  static boolean onKafka(String backend, String kafka, Path kafkaConfig) {
    String chosen = backend.toLowerCase(Locale.ROOT);
    if (!chosen.equals("embedded") && !chosen.equals("kafka")) {
      throw new CliFailure("--backend must be 'embedded' or 'kafka', got '" + backend + "'", Main.USAGE);
    }
    if (kafkaConfig != null && kafka == null) {
      throw new CliFailure("--kafka-config is for --backend kafka", Main.USAGE);
    }
    if (chosen.equals("kafka") != (kafka != null)) {
      throw new CliFailure(chosen.equals("kafka") ? "--backend kafka needs --kafka HOST:PORT[,…]"
          : "--kafka is for --backend kafka", Main.USAGE);
    }
    return chosen.equals("kafka");
  }

  /** The settings of {@code --kafka-config FILE} (none when null), given to every Kafka client. */
  static Map<String, String> read(Path file) {
    if (file == null) {
      return Map.of();
    }
    Properties p = new Properties();
    try (var in = Files.newInputStream(file)) {
      p.load(in);
    } catch (IOException | IllegalArgumentException e) {
      throw new CliFailure("cannot read --kafka-config " + file + ": " + e.getMessage(), Main.USAGE);
    }
    Map<String, String> settings = new TreeMap<>();
    p.stringPropertyNames().forEach(name -> settings.put(name, p.getProperty(name)));
    return settings;
  }

  /** Kafka's clients warn once per failed connection attempt; Sluice's own error says it once. */
  static void quietClients() {
    if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    }
  }
}
