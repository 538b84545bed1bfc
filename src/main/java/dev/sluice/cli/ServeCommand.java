package dev.sluice.cli;

import dev.sluice.engine.ChangelogRetention;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Declarations;
import dev.sluice.engine.Ownership;
import dev.sluice.kafka.cluster.KafkaDeclarations;
import dev.sluice.kafka.cluster.KafkaMembership;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.metrics.SluiceMetrics;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the server on an embedded log in a data folder, or on Apache Kafka (--backend kafka).")
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

  @Option(names = "--backend", paramLabel = "NAME", defaultValue = "embedded",
      description = "embedded: the log in the data folder (default); kafka: the log on Apache Kafka (docs/kafka.md)")
  String backend;

  @Option(names = "--kafka", paramLabel = "HOST:PORT[,…]", description = "the Kafka bootstrap servers (with --backend kafka)")
  String kafka;

  @Option(names = "--cluster", paramLabel = "NAME", defaultValue = "sluice",
      description = "with --backend kafka: the prefix of this deployment's topics (default sluice)")
  String cluster;

  @Option(names = "--advertise", paramLabel = "URL",
      description = "with --backend kafka: the base URL other instances forward reads to (default http://HOST:PORT of --host and --port)")
  String advertise;

  @Option(names = "--session-timeout", paramLabel = "SECONDS", defaultValue = "10",
      description = "with --backend kafka: how long the others wait for an instance that stopped answering before taking its partitions (default ${DEFAULT-VALUE})")
  int sessionTimeoutSeconds;

  @Option(names = "--kafka-config", paramLabel = "FILE",
      description = "with --backend kafka: a .properties file of Kafka client settings (security.protocol, sasl.*, ssl.*, …)")
  Path kafkaConfig;
  @Option(names = "--changelog-retention", paramLabel = "DURATION", defaultValue = "24h",
      description = "how long each view keeps its changes for subscribers to resume from: 30m, 24h, 7d (default 24h)")
  String changelogRetention;

  @Option(names = "--changelog-changes", paramLabel = "N", defaultValue = "1000000",
      description = "the most changes each view keeps for subscribers (default 1000000); older ones resume with a snapshot")
  long changelogChanges;

  @Override
  public Integer call() throws InterruptedException {
    boolean onKafka = KafkaClientSettings.onKafka(backend, kafka, kafkaConfig);
    EmbeddedLog.Fsync mode = switch (fsync.toLowerCase(Locale.ROOT)) {
      case "always" -> EmbeddedLog.Fsync.ALWAYS;
      case "interval" -> EmbeddedLog.Fsync.INTERVAL;
      default -> throw new CliFailure("--fsync must be 'always' or 'interval', got '" + fsync + "'", Main.USAGE);
    };
    if (port < 0 || port > 65535) {
      throw new CliFailure("--port must be from 0 to 65535, got " + port, Main.USAGE);
    }
    if (sessionTimeoutSeconds < 6 || sessionTimeoutSeconds > 1800) {
      throw new CliFailure("--session-timeout must be from 6 to 1800 seconds (the broker's default bounds), got " + sessionTimeoutSeconds, Main.USAGE);
    }
    ChangelogRetention retention = retention();
    EventLog log;
    SluiceMetrics metrics = SluiceMetrics.create();
    // On Kafka the data folder holds only the views' state, kept apart per cluster: positions in
    // one cluster's topics mean nothing in another's.
    Path views = onKafka ? data.resolve("kafka").resolve(cluster).resolve("views") : data.resolve("views");
    String described;
    try {
      if (onKafka) {
        KafkaClientSettings.quietClients();
        log = KafkaLog.open(KafkaLog.Options.defaults(kafka).withCluster(cluster).withClientOverrides(KafkaClientSettings.read(kafkaConfig)));
        described = "kafka " + kafka + ", cluster " + cluster + ", views in " + views.toAbsolutePath().normalize();
      } else {
        EmbeddedLog embedded = EmbeddedLog.open(data, EmbeddedLog.Options.defaults().withFsync(mode).withMeters(metrics.registry()));
        for (String damage : embedded.damageReports()) {
          main.err.println("sluice: warning: " + damage);
        }
        log = embedded;
        described = "data " + data.toAbsolutePath().normalize() + ", fsync " + mode.name().toLowerCase(Locale.ROOT);
      }
    } catch (LogException e) {
      throw new CliFailure(e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new CliFailure(e.getMessage(), Main.USAGE);
    }
    Engine engine;
    KafkaDeclarations declarations = null;
    KafkaMembership membership = null;
    try {
      if (log instanceof KafkaLog kafkaLog) {
        declarations = new KafkaDeclarations(kafkaLog.catalog());
        membership = KafkaMembership.create(kafkaLog, Duration.ofSeconds(sessionTimeoutSeconds));
      }
      engine = Engine.open(log, views, retention, declarations == null ? Declarations.LOCAL : declarations,
          membership == null ? Ownership.ALL : membership);
    } catch (RuntimeException e) {
      log.close();
      throw new CliFailure("cannot start the views in " + views + ": " + rootMessage(e));
    }
    SluiceServer server;
    try {
      server = SluiceServer.start(log, engine, Config.defaults().withHost(host).withPort(port).withDataDir(data), metrics);
    } catch (RuntimeException e) {
      engine.close();
      log.close();
      throw new CliFailure("cannot listen on " + host + ":" + port + " (" + rootMessage(e) + ")"
          + " — is another 'sluice serve' running? --port picks another port");
    }
    if (membership != null) {
      String url = advertise != null ? advertise : "http://" + advertisedHost() + ":" + server.port();
      membership.join(url);
      described += ", member " + url + " of group " + KafkaMembership.groupId(cluster);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    KafkaDeclarations shared = declarations;
    KafkaMembership member = membership;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (member != null) {
        member.close(); // first: the group gives this instance's partitions to the others at once
      }
      server.stop();
      engine.close();
      if (shared != null) {
        shared.close();
      }
      log.close();
      metrics.close();
      stopped.countDown();
    }, "sluice-shutdown"));
    String shownHost = host.equals("127.0.0.1") || host.equals("0.0.0.0") ? "localhost" : host;
    main.out.println("Sluice " + SluiceServer.version() + " serving http://" + shownHost + ":" + server.port()
        + " (" + described + ")");
    main.out.flush();
    stopped.await();
    return 0;
  }

  /** The host other instances reach this one at, when --advertise does not say. */
  private String advertisedHost() {
    if (!host.equals("0.0.0.0") && !host.equals("::")) {
      return host;
    }
    try {
      return java.net.InetAddress.getLocalHost().getCanonicalHostName();
    } catch (IOException e) {
      throw new CliFailure("cannot tell this machine's host name for other instances: give --advertise http://HOST:PORT");
    }
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
