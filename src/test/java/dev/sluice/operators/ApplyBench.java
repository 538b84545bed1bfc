package dev.sluice.operators;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Nanoseconds per event through {@link Dataflow#apply} with {@link MemoryState}, for the issue's
 * benchmark view: a WHERE and a GROUP BY sum over 100-byte values and 100k keys. One thread.
 *
 * <p>Run: {@code java -cp target/classes:target/test-classes:$(cat cp.txt)
 * dev.sluice.operators.ApplyBench [events]}; see docs/semantics.md, "Performance".
 */
public final class ApplyBench {
  private ApplyBench() {}

  public static void main(String[] args) {
    var events = args.length > 0 ? Integer.parseInt(args[0]) : 5_000_000;
    var text =
        "FROM orders |> WHERE status = 'paid' |> AGGREGATE sum(amount) AS revenue GROUP BY"
            + " customer_id";
    var catalog = Catalog.of(SourceInfo.stream("orders"));
    var inputs = inputs(1 << 20);
    for (var round = 1; round <= 3; round++) {
      var dataflow = Planner.plan(ViewHarness.pipeline(text), catalog, text);
      State state = args.length > 1 ? new HashState() : new MemoryState();
      dataflow.initialize(state);
      var changes = 0L;
      var start = System.nanoTime();
      for (var i = 0; i < events; i++) {
        changes += dataflow.apply(inputs[i & (inputs.length - 1)], state).changes().size();
      }
      var nanos = System.nanoTime() - start;
      System.out.printf(
          "round %d: %d events, %.0f ns/event, %.0f events/s, %d view changes%n",
          round, events, (double) nanos / events, events * 1e9 / nanos, changes);
    }
  }

  /** Point reads and writes only, no scans: separates the operators' cost from a sorted map's. */
  private static final class HashState implements State {
    private final java.util.HashMap<java.nio.ByteBuffer, byte[]> map = new java.util.HashMap<>();

    @Override
    public byte[] get(byte[] key) {
      return map.get(java.nio.ByteBuffer.wrap(key));
    }

    @Override
    public void put(byte[] key, byte[] value) {
      map.put(java.nio.ByteBuffer.wrap(key), value);
    }

    @Override
    public void delete(byte[] key) {
      map.remove(java.nio.ByteBuffer.wrap(key));
    }

    @Override
    public void scan(byte[] prefix, Visitor visitor) {
      throw new UnsupportedOperationException("the benchmark view does not scan");
    }
  }

  private static Input[] inputs(int count) {
    var random = new Random(42);
    var inputs = new Input[count];
    for (var i = 0; i < count; i++) {
      var customer = "c" + random.nextInt(100_000);
      var json =
          "{\"customer_id\":\"%s\",\"amount\":%d,\"status\":\"%s\",\"sku\":\"sku-%05d\",\"note\":\"%s\"}"
              .formatted(
                  customer,
                  random.nextInt(1000),
                  random.nextInt(10) < 8 ? "paid" : "open",
                  random.nextInt(100_000),
                  "x".repeat(20 + random.nextInt(10)));
      inputs[i] =
          new Input(
              "orders",
              0,
              i,
              customer,
              "id" + i,
              1_700_000_000_000L + i,
              List.of(),
              false,
              json.getBytes(StandardCharsets.UTF_8));
    }
    return inputs;
  }
}
