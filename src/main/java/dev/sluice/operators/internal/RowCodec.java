package dev.sluice.operators.internal;

import dev.sluice.operators.Envelope;
import dev.sluice.operators.Interval;
import dev.sluice.operators.Row;
import dev.sluice.operators.Timestamp;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compact binary form of rows and values for operator state: unlike JSON it keeps timestamps,
 * intervals and the envelope, and unlike {@link KeyEncoding} it need not sort, so it is smaller.
 */
public final class RowCodec {
  private static final int NULL = 0;
  private static final int FALSE = 1;
  private static final int TRUE = 2;
  private static final int LONG = 3;
  private static final int DECIMAL = 4;
  private static final int STRING = 5;
  private static final int TIMESTAMP = 6;
  private static final int INTERVAL = 7;
  private static final int LIST = 8;
  private static final int OBJECT = 9;

  private RowCodec() {}

  public static byte[] encode(Row row) {
    var sink = new ByteSink(32 + 16 * row.size());
    var envelope = row.envelope();
    sink.put(envelope.isPresent() ? 1 : 0);
    if (envelope.isPresent()) {
      var e = envelope.get();
      putString(e.key(), sink);
      putValue(e.id(), sink);
      sink.putVarLong(zigzag(e.timeMs())).putVarLong(e.partition()).putVarLong(e.offset());
      sink.putVarLong(e.causes().size());
      for (var cause : e.causes()) {
        putString(cause, sink);
      }
    }
    sink.putVarLong(row.size());
    for (var i = 0; i < row.size(); i++) {
      putString(row.name(i), sink);
      putValue(row.value(i), sink);
    }
    return sink.toByteArray();
  }

  public static Row decode(byte[] bytes) {
    var source = new ByteSource(bytes, 0);
    Envelope envelope = null;
    if (source.get() == 1) {
      var key = getString(source);
      var id = (String) getValue(source);
      var timeMs = unzigzag(source.getVarLong());
      var partition = (int) source.getVarLong();
      var offset = source.getVarLong();
      var causes = new ArrayList<String>();
      for (var n = source.getVarLong(); n > 0; n--) {
        causes.add(getString(source));
      }
      envelope = new Envelope(key, id, timeMs, partition, offset, causes);
    }
    var size = (int) source.getVarLong();
    var names = new String[size];
    var values = new Object[size];
    for (var i = 0; i < size; i++) {
      names[i] = getString(source).intern();
      values[i] = getValue(source);
    }
    return Row.wrap(names, values, envelope);
  }

  public static void putValue(Object value, ByteSink sink) {
    switch (value) {
      case null -> sink.put(NULL);
      case Boolean b -> sink.put(b ? TRUE : FALSE);
      case Long l -> sink.put(LONG).putVarLong(zigzag(l));
      case BigDecimal d -> {
        var unscaled = d.unscaledValue().toByteArray();
        sink.put(DECIMAL).putVarLong(zigzag(d.scale())).putVarLong(unscaled.length).put(unscaled);
      }
      case String s -> putString(s, sink.put(STRING));
      case Timestamp t -> sink.put(TIMESTAMP).putVarLong(zigzag(t.epochMs()));
      case Interval i -> sink.put(INTERVAL).putVarLong(zigzag(i.millis()));
      case List<?> list -> {
        sink.put(LIST).putVarLong(list.size());
        for (var element : list) {
          putValue(element, sink);
        }
      }
      case Map<?, ?> map -> {
        sink.put(OBJECT).putVarLong(map.size());
        for (var entry : map.entrySet()) {
          putString((String) entry.getKey(), sink);
          putValue(entry.getValue(), sink);
        }
      }
      default ->
          throw new IllegalArgumentException("not a Sluice value: " + value.getClass().getName());
    }
  }

  public static Object getValue(ByteSource source) {
    var tag = source.get();
    return switch (tag) {
      case NULL -> null;
      case FALSE -> Boolean.FALSE;
      case TRUE -> Boolean.TRUE;
      case LONG -> unzigzag(source.getVarLong());
      case DECIMAL -> {
        var scale = (int) unzigzag(source.getVarLong());
        var unscaled = source.getBytes((int) source.getVarLong());
        yield new BigDecimal(new BigInteger(unscaled), scale);
      }
      case STRING -> getString(source);
      case TIMESTAMP -> new Timestamp(unzigzag(source.getVarLong()));
      case INTERVAL -> new Interval(unzigzag(source.getVarLong()));
      case LIST -> {
        var n = (int) source.getVarLong();
        var list = new ArrayList<Object>(n);
        for (var i = 0; i < n; i++) {
          list.add(getValue(source));
        }
        yield Collections.unmodifiableList(list);
      }
      case OBJECT -> {
        var n = (int) source.getVarLong();
        var map = new LinkedHashMap<String, Object>();
        for (var i = 0; i < n; i++) {
          var name = getString(source);
          map.put(name, getValue(source));
        }
        yield Collections.unmodifiableMap(map);
      }
      default -> throw new IllegalArgumentException("bad value tag " + tag);
    };
  }

  private static void putString(String s, ByteSink sink) {
    var bytes = s.getBytes(StandardCharsets.UTF_8);
    sink.putVarLong(bytes.length).put(bytes);
  }

  private static String getString(ByteSource source) {
    return new String(source.getBytes((int) source.getVarLong()), StandardCharsets.UTF_8);
  }

  private static long zigzag(long value) {
    return (value << 1) ^ (value >> 63);
  }

  private static long unzigzag(long value) {
    return (value >>> 1) ^ -(value & 1);
  }
}
