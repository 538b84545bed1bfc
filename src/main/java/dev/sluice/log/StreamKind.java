package dev.sluice.log;

/** A stream keeps every event; a table is read as the latest event per key, and may hold tombstones. */
public enum StreamKind {
  STREAM,
  TABLE
}
