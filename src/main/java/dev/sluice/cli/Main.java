package dev.sluice.cli;

import dev.sluice.server.SluiceServer;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sluice} command. Exit status 0 on success; otherwise exactly one line on stderr,
 * {@code sluice: …}, and status 1 (a failure) or 2 (a mistake in the command line).
 */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "The database, turned inside out: a durable event log and what is derived from it.",
    subcommands = {
      ServeCommand.class,
      ExecCommand.class,
      AppendCommand.class,
      ReadCommand.class,
      StatusCommand.class,
      StreamsCommand.class,
      ViewCommands.Get.class,
      ViewCommands.Scan.class,
      ViewCommands.Search.class,
      ViewCommands.Query.class,
      VerifyCommand.class,
      LineageCommand.class,
      WatchCommand.class,
      BenchCommand.class
    })
public final class Main implements Callable<Integer> {
  static final int FAILED = 1;
  static final int USAGE = 2;

  final InputStream in;
  final PrintStream out;
  final PrintStream err;

  private Main(InputStream in, PrintStream out, PrintStream err) {
    this.in = in;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    // Jetty and Javalin announce themselves at INFO; a command line shows only what matters.
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.exit(run(args, System.in, System.out, System.err));
  }

  /** Runs one command with the given standard streams; returns its exit status. */
  public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    CommandLine commandLine = new CommandLine(new Main(in, out, err));
    PrintWriter helpOut = new PrintWriter(out, true, StandardCharsets.UTF_8);
    PrintWriter helpErr = new PrintWriter(err, true, StandardCharsets.UTF_8);
    commandLine.setOut(helpOut);
    commandLine.setErr(helpErr);
    commandLine.setParameterExceptionHandler((e, ignored) -> {
      String command = e.getCommandLine().getCommandName();
      boolean root = command.equals("sluice");
      String message = root && e instanceof CommandLine.UnmatchedArgumentException unmatched
          ? "unknown command '" + unmatched.getUnmatched().get(0) + "'"
          : e.getMessage();
      err.println("sluice: " + message + " (see '" + (root ? "sluice" : "sluice " + command) + " --help')");
      return USAGE;
    });
    commandLine.setExecutionExceptionHandler((e, ignored, parsed) -> {
      if (e instanceof CliFailure failure) {
        err.println("sluice: " + failure.getMessage());
        return failure.exitCode();
      }
      err.println("sluice: unexpected failure: " + e);
      return FAILED;
    });
    int exit = commandLine.execute(args);
    helpOut.flush();
    helpErr.flush();
    return exit;
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(new CommandLine(this),
        "name a command: serve, exec, append, read, status or streams");
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"sluice " + SluiceServer.version()};
    }
  }
}
