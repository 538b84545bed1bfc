package dev.sluice.cli;

import dev.sluice.engine.ChangelogRetention;
import dev.sluice.engine.Engine;
import dev.sluice.log.LogException;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the server on an embedded log in a data folder.")
final class ServeCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "sluice-data", description = "the data folder (default ./sluice-data)")
  Path data;

  @Option(names = "--port", paramLabel = "N", defaultValue = "7070", description = "the HTTP port (default 7070; 0 picks a free one)")
  int port;

  @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "the address to listen on (default 127.0.0.1; the API has no authentication)")
  String host;

  @Option(names = "--fsync", paramLabel = "MODE", defaultValue = "always",
      description = "always: acknowledge after fsync (default); interval: acknowledge after write, fsync every 100 ms")
  String fsync;

  @Option(names = "--changelog-retention", paramLabel = "DURATION", defaultValue = "24h",
      description = "how long each view keeps its changes for subscribers to resume from: 30m, 24h, 7d (default 24h)")
  String changelogRetention;

  @Option(names = "--changelog-changes", paramLabel = "N", defaultValue = "1000000",
      description = "the most changes each view keeps for subscribers (default 1000000); older ones resume with a snapshot")
  long changelogChanges;

  @Override
  public Integer call() throws InterruptedException {
    EmbeddedLog.Fsync mode = switch (fsync.toLowerCase(Locale.ROOT)) {
      case "always" -> EmbeddedLog.Fsync.ALWAYS;
      case "interval" -> EmbeddedLog.Fsync.INTERVAL;
      default -> throw new CliFailure("--fsync must be 'always' or 'interval', got '" + fsync + "'", Main.USAGE);
    };
    if (port < 0 || port > 65535) {
      throw new CliFailure("--port must be from 0 to 65535, got " + port, Main.USAGE);
    }
    ChangelogRetention retention = retention();
    EmbeddedLog log;
    try {
      log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults().withFsync(mode));
    } catch (LogException e) {
      throw new CliFailure(e.getMessage());
    }
    for (String damage : log.damageReports()) {
      main.err.println("sluice: warning: " + damage);
    }
    Engine engine;
    try {
      engine = Engine.open(log, data.resolve("views"), retention);
    } catch (RuntimeException e) {
      log.close();
      throw new CliFailure("cannot start the views in " + data.resolve("views") + ": " + rootMessage(e));
    }
    SluiceServer server;
    try {
      server = SluiceServer.start(log, engine, Config.defaults().withHost(host).withPort(port).withDataDir(data));
    } catch (RuntimeException e) {
      engine.close();
      log.close();
      throw new CliFailure("cannot listen on " + host + ":" + port + " (" + rootMessage(e) + ")"
          + " — is another 'sluice serve' running? --port picks another port");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop();
      engine.close();
      log.close();
      stopped.countDown();
    }, "sluice-shutdown"));
    String shownHost = host.equals("127.0.0.1") || host.equals("0.0.0.0") ? "localhost" : host;
    main.out.println("Sluice " + SluiceServer.version() + " serving http://" + shownHost + ":" + server.port()
        + " (data " + data.toAbsolutePath().normalize() + ", fsync " + mode.name().toLowerCase(Locale.ROOT) + ")");
    main.out.flush();
    stopped.await();
    return 0;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  private ChangelogRetention retention() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([1-9][0-9]{0,6})([smhd])").matcher(changelogRetention.trim());
    if (!m.matches()) {
      throw new CliFailure("--changelog-retention is a number and a unit (s, m, h or d), like 24h; got '" + changelogRetention + "'", Main.USAGE);
    }
    if (changelogChanges < 1) {
      throw new CliFailure("--changelog-changes must be at least 1, got " + changelogChanges, Main.USAGE);
    }
    long n = Long.parseLong(m.group(1));
    Duration age = switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    return new ChangelogRetention(changelogChanges, age);
  }
}
