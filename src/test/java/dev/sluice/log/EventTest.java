package dev.sluice.log;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The limits an event's key and ids are held to count UTF-8 bytes, not characters. */
class EventTest {
  private static final byte[] VALUE = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  @Test
  void aKeyOfExactlyTheLimitInBytesIsAcceptedAndOneByteMoreIsNot() {
    for (String unit : List.of("a", "é", "€", "😀")) {
      int bytesPerUnit = unit.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      String atLimit = unit.repeat(Event.KEY_BYTES_MAX / bytesPerUnit) + "a".repeat(Event.KEY_BYTES_MAX % bytesPerUnit);
      assertThatCode(() -> Event.of(atLimit, VALUE)).as("%d bytes of '%s'", Event.KEY_BYTES_MAX, unit).doesNotThrowAnyException();
      assertThatThrownBy(() -> Event.of(atLimit + "a", VALUE)).as("one byte more")
          .isInstanceOf(LogException.class).hasMessageContaining("_key is longer than");
    }
  }

  @Test
  void anIdOfExactlyTheLimitInBytesIsAcceptedAndOneByteMoreIsNot() {
    String atLimit = "€".repeat(Event.ID_BYTES_MAX / 3) + "a".repeat(Event.ID_BYTES_MAX % 3);
    assertThatCode(() -> new Event("k", atLimit, null, List.of(), false, VALUE)).doesNotThrowAnyException();
    assertThatThrownBy(() -> new Event("k", atLimit + "a", null, List.of(), false, VALUE))
        .isInstanceOf(LogException.class).hasMessageContaining("_id is longer than");
  }
}
