package dev.sluice.cli;

import picocli.CommandLine.Option;

/** The {@code --url} option every command that talks to a running server takes. */
final class ServerUrl {
  @Option(
      names = "--url",
      paramLabel = "URL",
      defaultValue = "${env:SLUICE_URL:-http://localhost:7070}",
      description = "the Sluice server (default: $SLUICE_URL, or http://localhost:7070)")
  String url;

  SluiceClient client() {
    return new SluiceClient(url);
  }
}
