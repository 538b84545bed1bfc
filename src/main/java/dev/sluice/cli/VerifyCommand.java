package dev.sluice.cli;

import dev.sluice.constraints.ConstraintAudit;
import dev.sluice.engine.ViewAudit;
import dev.sluice.log.LogException;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.log.embedded.FolderLock;
import dev.sluice.log.embedded.LogAudit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code sluice verify}: audits a stopped data folder. Every record's checksum and every partition's
 * hash chain are checked, then every view and index is recomputed from the log and compared with its
 * store (an index's entries, a search index's Lucene documents).
 * Each problem is one line on stdout; the exit status is 1 when there is any.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Audit a stopped data folder: checksums, hash chains, and every view and index recomputed from the log.")
final class VerifyCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "sluice-data", description = "the data folder (default ./sluice-data)")
  Path data;

  @Override
  public Integer call() {
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
    for (ViewAudit.Checked c : views.checked()) {
      if (c.expectedDigest() == null) {
        main.out.println(c.kind() + " '" + c.view() + "' v" + c.version() + ": " + c.detail());
        continue;
      }
      main.out.println(c.kind() + " '" + c.view() + "' v" + c.version() + ": " + c.rows() + " rows recomputed from the log, digest "
          + c.expectedDigest() + (c.expectedDigest().equals(c.actualDigest()) ? " matches" : ", stored " + c.actualDigest())
          + (c.detail().isEmpty() ? "" : "; " + c.detail()));
    }
    views.skipped().forEach(s -> main.out.println("not recomputed: " + s));
    views.findings().forEach(f -> problems.add(f.describe()));
    views.constraints().checked().forEach(main.out::println);
    problems.addAll(views.constraints().findings());
    problems.forEach(main.out::println);
    main.out.flush();
    if (!problems.isEmpty()) {
      throw new CliFailure("verify found " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s")
          + " in " + data.toAbsolutePath().normalize());
    }
    main.out.println("ok: the log is intact and every view and index equals its recomputation");
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
