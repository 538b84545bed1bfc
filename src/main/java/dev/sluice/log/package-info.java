/**
 * The event log: Sluice's system of record.
 *
 * <p>A stream (or table) is a named, partitioned, totally ordered log of events. Within a partition
 * offsets strictly increase (dense from 0 in the embedded log; with gaps for transaction markers on
 * Kafka); an event's partition is a stable hash of its key. The contract maps
 * one-to-one onto Kafka's: stream = topic, partition = partition, offset = offset, {@code _key} =
 * record key, {@code _time} = record timestamp, {@code _id} and {@code _causes} = headers, a table's
 * {@code _delete} = a tombstone. {@link dev.sluice.log.EventLog} is the interface every backend
 * implements; the contract test suite in the tests checks each one.
 */
package dev.sluice.log;
