package dev.sluice.server;

import java.nio.file.Path;

/**
 * How a server runs: where it listens and the limits it holds every request to.
 *
 * @param host the interface to listen on; the default is loopback only, because the API has no
 *     authentication
 * @param port 0 picks a free port (tests)
 * @param dataDir shown by {@code /status}; the log owns it
 * @param requestBytesLimit the largest request body
 * @param eventBytesLimit the largest single event
 * @param requestEventsLimit the most events in one append, which bounds the memory a request of
 *     many tiny events takes
 * @param followersLimit the most open {@code follow=true} reads; each holds a thread
 */
public record Config(
    String host,
    int port,
    Path dataDir,
    long requestBytesLimit,
    int eventBytesLimit,
    int requestEventsLimit,
    int followersLimit) {

  public static final int DEFAULT_PORT = 7070;

  public static Config defaults() {
    return new Config("127.0.0.1", DEFAULT_PORT, null, 64L << 20, 1 << 20, 100_000, 64);
  }

  public Config withHost(String host) {
    return new Config(host, port, dataDir, requestBytesLimit, eventBytesLimit, requestEventsLimit, followersLimit);
  }

  public Config withPort(int port) {
    return new Config(host, port, dataDir, requestBytesLimit, eventBytesLimit, requestEventsLimit, followersLimit);
  }

  public Config withDataDir(Path dataDir) {
    return new Config(host, port, dataDir, requestBytesLimit, eventBytesLimit, requestEventsLimit, followersLimit);
  }

  public Config withRequestBytesLimit(long limit) {
    return new Config(host, port, dataDir, limit, eventBytesLimit, requestEventsLimit, followersLimit);
  }

  public Config withEventBytesLimit(int limit) {
    return new Config(host, port, dataDir, requestBytesLimit, limit, requestEventsLimit, followersLimit);
  }

  public Config withFollowersLimit(int limit) {
    return new Config(host, port, dataDir, requestBytesLimit, eventBytesLimit, requestEventsLimit, limit);
  }
}
