package dev.sluice.cli;

import dev.sluice.constraints.ConstraintAudit;
import dev.sluice.engine.ViewAudit;
import dev.sluice.kafka.cluster.KafkaMembership;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.kafka.log.KafkaLogAudit;
import dev.sluice.log.LogException;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.log.embedded.FolderLock;
import dev.sluice.log.embedded.LogAudit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code sluice verify}: audits a stopped data folder. Every record's checksum and every partition's
 * hash chain are checked, then every view and index is recomputed from the log and compared with its
 * store (an index's entries, a search index's Lucene documents).
 * Each problem is one line on stdout; the exit status is 1 when there is any.
 *
 * <p>With {@code --backend kafka} it audits a cluster instead (docs/kafka.md "Verify"): the topics,
 * the view state of one stopped instance's folder, and the constraints' decisions.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Audit a stopped data folder: checksums, hash chains, and every view and index recomputed from the log.",
        "With --backend kafka: audit a cluster's topics (Kafka's CRCs, the record format), its constraints' decisions, and the views"
            + " whose state the folder of a stopped instance holds (the cluster may run)."})
final class VerifyCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "sluice-data", description = "the data folder (default ./sluice-data)")
  Path data;

  @Option(names = "--backend", paramLabel = "NAME", defaultValue = "embedded",
      description = "embedded: the log in the data folder (default); kafka: the log on Apache Kafka (docs/kafka.md)")
  String backend;

  @Option(names = "--kafka", paramLabel = "HOST:PORT[,…]", description = "the Kafka bootstrap servers (with --backend kafka)")
  String kafka;

  @Option(names = "--cluster", paramLabel = "NAME", defaultValue = "sluice",
      description = "with --backend kafka: the prefix of the deployment's topics (default sluice)")
  String cluster;

  @Option(names = "--kafka-config", paramLabel = "FILE",
      description = "with --backend kafka: a .properties file of Kafka client settings (security.protocol, sasl.*, ssl.*, …)")
  Path kafkaConfig;

  @Override
  public Integer call() {
    if (KafkaClientSettings.onKafka(backend, kafka, kafkaConfig)) {
      return kafka();
    }
    if (!Files.isDirectory(data.resolve("streams"))) {
      throw new CliFailure("no Sluice data in " + data.toAbsolutePath().normalize() + " (no streams folder)");
    }
    List<String> problems = new ArrayList<>();
    LogAudit.Result log;
    // The lock is held while the files are read, so a server cannot start and write meanwhile.
    try (FolderLock lock = FolderLock.acquire(data)) {
      log = LogAudit.run(data);
    } catch (LogException e) {
      throw new CliFailure("cannot verify: " + e.getMessage());
    } catch (IOException e) {
      throw new CliFailure("cannot read the log in " + data + ": " + e.getMessage());
    }
    main.out.println("log: " + log.streams() + " streams, " + log.segments() + " segments, " + log.batches() + " batches, "
        + log.records() + " records checked (CRC32C, offsets, hash chains)");
    log.findings().forEach(f -> problems.add(f.describe()));
    Derived views = views();
    printViews(views.checked(), views.skipped());
    views.findings().forEach(f -> problems.add(f.describe()));
    views.constraints().checked().forEach(main.out::println);
    problems.addAll(views.constraints().findings());
    failOn(problems, "in " + data.toAbsolutePath().normalize());
    main.out.println("ok: the log is intact and every view and index equals its recomputation");
    return 0;
  }

  /** Prints each problem on a line of its own, then fails naming how many there were and {@code where}, if any. */
  private void failOn(List<String> problems, String where) {
    problems.forEach(main.out::println);
    main.out.flush();
    if (!problems.isEmpty()) {
      throw new CliFailure("verify found " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + " " + where);
    }
  }

  private void printViews(List<ViewAudit.Checked> checked, List<String> skipped) {
    for (ViewAudit.Checked c : checked) {
      if (c.expectedDigest() == null) {
        main.out.println(c.kind() + " '" + c.view() + "' v" + c.version() + ": " + c.detail());
        continue;
      }
      main.out.println(c.kind() + " '" + c.view() + "' v" + c.version() + ": " + c.rows() + " rows recomputed from the log, digest "
          + c.expectedDigest() + (c.expectedDigest().equals(c.actualDigest()) ? " matches" : ", stored " + c.actualDigest())
          + (c.detail().isEmpty() ? "" : "; " + c.detail()));
    }
    skipped.forEach(s -> main.out.println("not recomputed: " + s));
  }

  /**
   * A cluster on Kafka: its topics, then the views whose state this folder holds (its instance must
   * be stopped: its store is locked while it runs; the other instances may run), then the
   * constraints' decisions. Nothing joins the instances' group or writes to Kafka.
   */
  private int kafka() {
    KafkaClientSettings.quietClients();
    KafkaLog.Options options = KafkaLog.Options.defaults(kafka).withCluster(cluster).withClientOverrides(KafkaClientSettings.read(kafkaConfig));
    List<String> problems = new ArrayList<>();
    KafkaLogAudit.Result topics;
    try {
      topics = KafkaLogAudit.run(options);
    } catch (LogException e) {
      throw new CliFailure("cannot verify: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new CliFailure(e.getMessage(), Main.USAGE);
    }
    main.out.println("kafka: " + KafkaLog.catalogTopic(cluster) + " (" + topics.catalogRecords() + " catalog records), "
        + topics.streams().size() + " streams, " + topics.partitions() + " partitions, " + topics.records()
        + " records checked (Kafka's CRC32C of every batch, the record format, offsets from 0; read_committed)");
    main.out.println("kafka: no hash chain: several instances append to each partition, so none can chain its records;"
        + " tamper evidence on a cluster rests on Kafka's ACLs and replication");
    problems.addAll(topics.findings());
    Path views = data.resolve("kafka").resolve(cluster).resolve("views");
    Map<String, byte[]> declared = new TreeMap<>();
    topics.catalog().forEach((key, value) -> {
      if (key.startsWith("constraint:")) {
        declared.put(key, value);
      }
    });
    if (!topics.topicsMatch()) {
      failOn(problems, "in cluster '" + cluster + "' at " + kafka
          + "; the views and constraints are not audited until every stream's topic is as declared");
    }
    try (KafkaLog log = KafkaLog.openForReading(options)) {
      if (Files.exists(views.resolve("views.json"))) {
        ViewAudit.Holders holders = KafkaMembership.currentHolders(options);
        ViewAudit.Result result;
        try {
          result = ViewAudit.runOnCluster(log, views, holders);
        } catch (IOException e) {
          throw new CliFailure("cannot read the views in " + views + ": " + e.getMessage());
        } catch (LogException e) {
          throw new CliFailure("cannot verify the views: " + e.getMessage());
        } catch (RuntimeException e) {
          // RocksDB refuses a store another process holds open: the instance of this folder runs.
          boolean locked = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("lock");
          throw new CliFailure("cannot verify the views in " + views + ": " + e.getMessage()
              + (locked ? " — is the instance with --data " + data + " running? Stop it (the others may run)" : ""));
        }
        printViews(result.checked(), result.skipped());
        result.findings().forEach(f -> problems.add(f.describe()));
      } else {
        main.out.println("views: no view state in " + views.toAbsolutePath().normalize()
            + " (give --data of an instance of cluster '" + cluster + "'): no view recomputed");
      }
      ConstraintAudit.Result constraints = ConstraintAudit.runCluster(log, declared);
      constraints.checked().forEach(main.out::println);
      problems.addAll(constraints.findings());
    } catch (LogException e) {
      throw new CliFailure("cannot verify: " + e.getMessage());
    }
    failOn(problems, "in cluster '" + cluster + "' at " + kafka);
    main.out.println("ok: the topics decode, the constraints' decisions follow from their claims, and every view and index"
        + " whose state " + data + " holds equals its recomputation");
    return 0;
  }

  /** What the views and the constraints audits found. */
  private record Derived(List<ViewAudit.Checked> checked, List<String> skipped, List<ViewAudit.Finding> findings,
      ConstraintAudit.Result constraints) {}

  /** Opening the log recovers it as a server would; the audit above already saw it untouched. */
  private Derived views() {
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults())) {
      ViewAudit.Result views = ViewAudit.run(log, data.resolve("views"));
      ConstraintAudit.Result constraints = ConstraintAudit.run(log, data.resolve("views").resolve("constraints"));
      return new Derived(views.checked(), views.skipped(), views.findings(), constraints);
    } catch (LogException e) {
      throw new CliFailure("cannot verify the views: " + e.getMessage());
    } catch (IOException e) {
      throw new CliFailure("cannot read the views in " + data.resolve("views") + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw new CliFailure("cannot verify the views: " + e.getMessage());
    }
  }
}
