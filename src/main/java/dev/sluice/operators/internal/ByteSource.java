package dev.sluice.operators.internal;

/** Reads what {@link ByteSink} wrote, from a position that moves forward. */
public final class ByteSource {
  private final byte[] bytes;
  private int position;

  public ByteSource(byte[] bytes, int position) {
    this.bytes = bytes;
    this.position = position;
  }

  public boolean hasMore() {
    return position < bytes.length;
  }

  public int peek() {
    return bytes[position] & 0xFF;
  }

  public int get() {
    return bytes[position++] & 0xFF;
  }

  public int getInt() {
    var value = 0;
    for (var i = 0; i < 4; i++) {
      value = (value << 8) | get();
    }
    return value;
  }

  public long getLong() {
    var value = 0L;
    for (var i = 0; i < 8; i++) {
      value = (value << 8) | get();
    }
    return value;
  }

  public long getVarLong() {
    var value = 0L;
    for (var shift = 0; ; shift += 7) {
      var b = get();
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
  }

  public byte[] getBytes(int length) {
    var out = new byte[length];
    System.arraycopy(bytes, position, out, 0, length);
    position += length;
    return out;
  }
}
