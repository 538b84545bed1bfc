package dev.sluice.engine;

import dev.sluice.operators.State;
import dev.sluice.stores.Batch;

/** The operators' state inside a view version's space, under the {@link Keys#STATE} prefix. */
final class RocksState implements State {
  private final Batch batch;

  RocksState(Batch batch) {
    this.batch = batch;
  }

  @Override
  public byte[] get(byte[] key) {
    return batch.get(Keys.state(key));
  }

  @Override
  public void put(byte[] key, byte[] value) {
    batch.put(Keys.state(key), value);
  }

  @Override
  public void delete(byte[] key) {
    batch.delete(Keys.state(key));
  }

  @Override
  public void scan(byte[] prefix, Visitor visitor) {
    batch.scan(Keys.state(prefix), (key, value) -> visitor.visit(java.util.Arrays.copyOfRange(key, 1, key.length), value));
  }
}
