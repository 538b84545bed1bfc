package dev.sluice.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** What {@code serve} and {@code verify} share of {@code --backend kafka}: the client settings file and the clients' logging. */
final class KafkaClientSettings {
  private KafkaClientSettings() {}

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
