package dev.sluice.log;

/** Where an appended event landed; {@code duplicate} when its {@code _id} was already in the log. */
public record Position(int partition, long offset, boolean duplicate) {}
