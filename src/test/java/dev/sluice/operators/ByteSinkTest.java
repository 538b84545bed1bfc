package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operators.internal.ByteSink;
import dev.sluice.operators.internal.ByteSource;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** What a sink is given, a source reads back, however the sink grew on the way. */
class ByteSinkTest {
  @Property(tries = 300)
  void varLongsAndBytesReadBackInOrder(@ForAll List<Long> values, @ForAll byte[] between) {
    var sink = new ByteSink(1);
    for (var value : values) {
      sink.putVarLong(value).put(between).put(7);
    }
    var bytes = sink.toByteArray();
    assertThat(sink.size()).isEqualTo(bytes.length);
    var source = new ByteSource(bytes, 0);
    for (var value : values) {
      assertThat(source.getVarLong()).isEqualTo(value);
      assertThat(source.getBytes(between.length)).isEqualTo(between);
      assertThat(source.get()).isEqualTo(7);
    }
    assertThat(source.hasMore()).isFalse();
  }
}
