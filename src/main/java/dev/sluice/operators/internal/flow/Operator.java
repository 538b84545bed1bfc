package dev.sluice.operators.internal.flow;

import dev.sluice.operators.Change;

/**
 * One node of a running dataflow: consumes changes on its input ports and pushes the changes they
 * cause downstream. Its state, if any, lives in the context's {@code State} under its own prefix.
 */
abstract class Operator {
  private Operator downstream;
  private int downstreamPort;

  final void connect(Operator next, int port) {
    downstream = next;
    downstreamPort = port;
  }

  abstract void push(int port, Change change, FlowContext context);

  /** Emits what holds before any input; only a global aggregate has something to say. */
  void initialize(FlowContext context) {}

  final void emit(Change change, FlowContext context) {
    downstream.push(downstreamPort, change, context);
  }

  /** A two-byte operator id starts every state key, so operators never see each other's state. */
  static byte[] prefix(int id, int tag) {
    if (id < 0 || id > 0xFFFF) {
      throw new IllegalArgumentException("operator id out of range: " + id);
    }
    return new byte[] {(byte) (id >>> 8), (byte) id, (byte) tag};
  }
}
