package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.log.AppendResult;
import dev.sluice.log.Position;
import dev.sluice.log.Token;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The append route writes its answer by hand; it is byte for byte what a JSON generator writes. */
class AppendAnswerTest {
  @Test
  void theHandWrittenAnswerIsWhatAJsonGeneratorWrites() throws IOException {
    Random random = new Random(5);
    for (int n : new int[] {1, 2, 17, 1000}) {
      List<Position> positions = new ArrayList<>();
      long[] ends = new long[4];
      int duplicates = 0;
      for (int i = 0; i < n; i++) {
        int p = random.nextInt(4);
        boolean duplicate = random.nextInt(5) == 0;
        long offset = duplicate ? random.nextInt(1000) : (long) Integer.MAX_VALUE * 3 + i;
        positions.add(new Position(p, offset, duplicate));
        ends[p] = Math.max(ends[p], offset + 1);
        duplicates += duplicate ? 1 : 0;
      }
      AppendResult result = new AppendResult(positions, n - duplicates, duplicates, Token.ofEnds("orders_2", ends));

      assertThat(new String(AppendRoute.answer(result), StandardCharsets.UTF_8)).isEqualTo(generated(result));
    }
  }

  private static String generated(AppendResult result) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator json = Responses.JSON.getFactory().createGenerator(bytes)) {
      json.writeStartObject();
      json.writeNumberField("appended", result.appended());
      json.writeNumberField("duplicates", result.duplicates());
      json.writeStringField("token", result.token().encode());
      json.writeArrayFieldStart("positions");
      for (Position p : result.positions()) {
        json.writeStartObject();
        json.writeNumberField("partition", p.partition());
        json.writeNumberField("offset", p.offset());
        json.writeBooleanField("duplicate", p.duplicate());
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
