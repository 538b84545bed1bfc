package dev.sluice.kafka.broker;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The broker's class path: Apache Kafka's jars from Maven Central, copied once into
 * {@code target/kafka-broker/lib} of the checkout by {@code tools/kafka-broker/pom.xml}.
 */
final class BrokerJars {
  static final String TOOL_POM = "tools/kafka-broker/pom.xml";
  static final String LIB = "target/kafka-broker/lib";
  // A cold ~/.m2 downloads about 40 MB; a hung download must not hang a test run forever.
  private static final long FETCH_LIMIT_S = 600;

  private BrokerJars() {}

  /** The folder holding the broker's jars, fetching them first if this checkout has none yet. */
  static Path ensure() throws IOException, InterruptedException {
    Path root = repositoryRoot();
    Path lib = root.resolve(LIB);
    if (!Files.isDirectory(lib)) {
      fetch(root, lib);
    }
    return lib;
  }

  /**
   * The checkout holding {@link #TOOL_POM}: above the working directory (tests, {@code ./sluice}
   * run at the root), else above this class's jar or classes folder ({@code ./sluice} elsewhere).
   */
  static Path repositoryRoot() {
    List<Path> starts = new ArrayList<>();
    starts.add(Path.of("").toAbsolutePath());
    codeLocation().ifPresent(starts::add);
    for (Path start : starts) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        if (Files.isRegularFile(dir.resolve(TOOL_POM))) {
          return dir;
        }
      }
    }
    throw new IllegalStateException(
        "cannot find " + TOOL_POM + " above " + starts + "; run from a Sluice checkout");
  }

  private static Optional<Path> codeLocation() {
    try {
      var source = BrokerJars.class.getProtectionDomain().getCodeSource();
      return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
    } catch (URISyntaxException | SecurityException e) {
      return Optional.empty();
    }
  }

  /**
   * Runs mvn into a staging folder, then renames it to {@code lib}: a folder named {@code lib} is
   * always complete, even when two JVMs fetch at once or a fetch is interrupted.
   */
  private static void fetch(Path root, Path lib) throws IOException, InterruptedException {
    Path mvn = onPath("mvn").orElseThrow(() -> new IllegalStateException(
        "mvn is not on PATH; it is needed once to fetch the Kafka broker's jars from Maven Central"
            + " into " + lib + " (see docs/kafka-broker.md)"));
    Files.createDirectories(lib.getParent());
    Path staging = Files.createTempDirectory(lib.getParent(), "lib-staging-");
    Path log = lib.getParent().resolve("mvn.log");
    Process mvnRun = new ProcessBuilder(mvn.toString(), "-q", "-B",
        "-f", root.resolve(TOOL_POM).toString(),
        "dependency:copy-dependencies", "-DoutputDirectory=" + staging)
        .directory(root.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    try {
      if (!mvnRun.waitFor(FETCH_LIMIT_S, TimeUnit.SECONDS)) {
        throw new IOException("fetching the Kafka broker's jars took over " + FETCH_LIMIT_S
            + " s; mvn said:\n" + KafkaBroker.tail(log));
      }
      if (mvnRun.exitValue() != 0 || !holdsKafka(staging)) {
        throw new IOException("fetching the Kafka broker's jars failed (mvn exit "
            + mvnRun.exitValue() + "); mvn said:\n" + KafkaBroker.tail(log));
      }
      moveUnlessPresent(staging, lib);
    } finally {
      mvnRun.destroyForcibly();
      deleteRecursively(staging);
    }
  }

  private static void moveUnlessPresent(Path staging, Path lib) throws IOException {
    try {
      Files.move(staging, lib, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (!Files.isDirectory(lib)) {
        throw e;
      }
      // Another JVM renamed its complete copy first; use that one.
    }
  }

  private static boolean holdsKafka(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(f -> f.getFileName().toString().startsWith("kafka_2.13-"));
    }
  }

  private static Optional<Path> onPath(String command) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, command))
        .filter(Files::isExecutable)
        .findFirst();
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
