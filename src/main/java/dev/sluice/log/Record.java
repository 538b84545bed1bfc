package dev.sluice.log;

import java.util.List;

/**
 * An event as stored at its position. Maps onto a Kafka record: key = {@code key}, value = {@code
 * value} (null when {@code delete}), timestamp = {@code timeMs}, headers = {@code id} and {@code
 * causes}.
 */
public record Record(
    int partition,
    long offset,
    String key,
    String id,
    long timeMs,
    List<String> causes,
    boolean delete,
    byte[] value) {}
