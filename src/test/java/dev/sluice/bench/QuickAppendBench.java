package dev.sluice.bench;

import dev.sluice.log.embedded.EmbeddedLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A manual run of the in-process append matrix: not a test, a main for quick measurements. */
public final class QuickAppendBench {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("sluice-bench");
    try (EmbeddedLog log = EmbeddedLog.open(dir, EmbeddedLog.Options.defaults())) {
      SluiceAppendBench.matrix(log, "in-process fsync=always", Duration.ofSeconds(1), Duration.ofSeconds(3), System.out::println);
    }
  }
}
