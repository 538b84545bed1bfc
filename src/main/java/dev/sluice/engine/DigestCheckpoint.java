package dev.sluice.engine;

/**
 * What a view held at a consistent point: its rows' digest ({@link ViewDigest}) and count, and the
 * token of the input positions they reflect. Recomputing the view over the log up to {@code token}
 * must give the same digest: that is how a running system is audited without stopping it.
 */
public record DigestCheckpoint(String view, long version, String digest, long rows, String token, long atMs) {}
