package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.operators.internal.RowParser;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Reading only the wanted fields gives those fields exactly as a full parse does. */
class FieldScannerTest {
  private static final Set<String> WANTED = Set.of("a", "é", "big", "x");

  private static Row scan(String json) {
    return RowParser.of(Optional.of(WANTED)).parse(json.getBytes(StandardCharsets.UTF_8), null);
  }

  private static Row full(String json) {
    var all = Row.fromJson(json.getBytes(StandardCharsets.UTF_8), null).toMap();
    var kept = new LinkedHashMap<String, Object>();
    all.forEach(
        (name, value) -> {
          if (WANTED.contains(name)) {
            kept.put(name, value);
          }
        });
    return Row.of(kept);
  }

  @Property(tries = 500)
  void scanningAgreesWithAFullParse(@ForAll("objects") String json) {
    assertThat(scan(json)).isEqualTo(full(json));
  }

  @Property(tries = 100)
  void aScannerReusedAcrossEventsReadsEveryStringAsItIs(
      @ForAll("texts") java.util.List<String> texts) {
    var parser = RowParser.of(Optional.of(WANTED)); // keeps recent strings from event to event
    for (var text : texts) {
      var json = "{\"a\": \"" + text + "\"}";
      assertThat(parser.parse(json.getBytes(StandardCharsets.UTF_8), null).get("a")).isEqualTo(text);
    }
  }

  /**
   * A text the scanner is told of is the very string it gives for a value of those bytes, and any
   * other value still reads as itself, also one whose bytes share the known one's first eight.
   */
  @Property(tries = 200)
  void aKnownTextIsGivenAsItselfAndOtherValuesAsThemselves(@ForAll("texts") java.util.List<String> texts) {
    var scanner = new dev.sluice.operators.internal.FieldScanner(WANTED);
    var slot = java.util.Arrays.asList(scanner.names()).indexOf("a");
    var known = new String("paid".toCharArray());
    scanner.know(known);
    var reader = scanner.new Slots();
    var slots = new Object[scanner.names().length];
    var raw = new int[2];
    var values = new java.util.ArrayList<>(texts);
    values.addAll(java.util.List.of("paid", "paid!", "pai", "paidpaid", "paid\u00e9"));
    for (var text : values) {
      var json = ("{\"a\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
      // Room after the value, as in a batch of the log, so that the word-wide reads are taken.
      var bytes = java.util.Arrays.copyOf(json, json.length + 16);
      reader.scan(bytes, 0, json.length, slots, -1, raw);
      assertThat(slots[slot]).isEqualTo(text);
      if (text.equals("paid")) {
        assertThat(slots[slot]).isSameAs(known);
      }
    }
  }

  @Property(tries = 500)
  void slotsReadFromTheMiddleOfAnArrayAgreeWithAParseOfTheValueAlone(@ForAll("objects") String json) {
    var scanner = new dev.sluice.operators.internal.FieldScanner(WANTED);
    var names = scanner.names();
    var value = json.getBytes(StandardCharsets.UTF_8);
    // The value sits amid other bytes, as in a batch of the log, and the scanner reads events one after another.
    var batch = new byte[value.length + 20];
    java.util.Arrays.fill(batch, (byte) '{');
    System.arraycopy(value, 0, batch, 7, value.length);
    var slots = new Object[names.length];
    var raw = new int[2];
    var reader = scanner.new Slots();
    reader.scan("{\"a\": 1}".getBytes(StandardCharsets.UTF_8), 0, 8, slots, 0, raw);
    Row parsed;
    try {
      parsed = scan(json);
    } catch (IllegalArgumentException e) {
      assertThatThrownBy(() -> reader.scan(batch, 7, 7 + value.length, slots, -1, raw)).hasMessage(e.getMessage());
      return;
    }
    for (var rawSlot = -1; rawSlot < names.length; rawSlot++) {
      reader.scan(batch, 7, 7 + value.length, slots, rawSlot, raw);
      for (var i = 0; i < names.length; i++) {
        var got = slots[i] == dev.sluice.operators.internal.FieldScanner.RAW
            ? new String(batch, raw[0], raw[1] - raw[0], StandardCharsets.US_ASCII)
            : slots[i];
        assertThat(got).as("field %s read raw from slot %s", names[i], rawSlot).isEqualTo(parsed.get(names[i]));
        if (slots[i] == dev.sluice.operators.internal.FieldScanner.RAW) {
          assertThat(i).isEqualTo(rawSlot);
        }
      }
    }
    // A slot whose integers are read unboxed: the same values, the integers as LONG and a long.
    var longs = new long[1];
    for (var longSlot = 0; longSlot < names.length; longSlot++) {
      reader.scan(batch, 7, 7 + value.length, slots, -1, raw, longSlot, longs);
      for (var i = 0; i < names.length; i++) {
        var got = slots[i] == dev.sluice.operators.internal.FieldScanner.LONG ? (Object) longs[0] : slots[i];
        assertThat(got).as("field %s with slot %s read unboxed", names[i], longSlot).isEqualTo(parsed.get(names[i]));
        if (slots[i] == dev.sluice.operators.internal.FieldScanner.LONG) {
          assertThat(i).isEqualTo(longSlot);
        }
      }
    }
  }

  @Property(tries = 1000)
  void compactValuesAmidQuotesReadAsAParseOfTheValueAloneReadsThem(
      @ForAll("compactObjects") String json, @ForAll("cuts") int cut, @ForAll("trailers") String trailer) {
    // Objects written without spaces, as most producers write them, whole or cut short, followed in
    // the array by bytes that would end a string (the scan reads eight bytes at a time).
    var whole = json.getBytes(StandardCharsets.UTF_8);
    var value = java.util.Arrays.copyOf(whole, Math.max(0, whole.length - cut));
    var after = trailer.getBytes(StandardCharsets.UTF_8);
    var batch = new byte[3 + value.length + after.length];
    System.arraycopy(value, 0, batch, 3, value.length);
    System.arraycopy(after, 0, batch, 3 + value.length, after.length);
    var scanner = new dev.sluice.operators.internal.FieldScanner(WANTED);
    var names = scanner.names();
    var reader = scanner.new Slots();
    var slots = new Object[names.length];
    var raw = new int[2];
    var longs = new long[1];
    Row parsed;
    try {
      parsed = RowParser.of(Optional.of(WANTED)).parse(value, null);
    } catch (IllegalArgumentException e) {
      assertThatThrownBy(() -> reader.scan(batch, 3, 3 + value.length, slots, 0, raw, 1, longs)).hasMessage(e.getMessage());
      return;
    }
    for (var rawSlot = -1; rawSlot < names.length; rawSlot++) {
      for (var longSlot = -1; longSlot < names.length; longSlot++) {
        if (longSlot == rawSlot && longSlot >= 0) {
          continue;
        }
        reader.scan(batch, 3, 3 + value.length, slots, rawSlot, raw, longSlot, longs);
        for (var i = 0; i < names.length; i++) {
          var got = slots[i] == dev.sluice.operators.internal.FieldScanner.RAW
              ? new String(batch, raw[0], raw[1] - raw[0], StandardCharsets.US_ASCII)
              : slots[i] == dev.sluice.operators.internal.FieldScanner.LONG ? (Object) longs[0] : slots[i];
          assertThat(got).as("field %s, raw slot %s, long slot %s", names[i], rawSlot, longSlot).isEqualTo(parsed.get(names[i]));
        }
      }
    }
  }

  @Provide
  Arbitrary<String> compactObjects() {
    var names = Arbitraries.of("a", "é", "big", "x", "skip", "\\u0061", "ab", "bi", "bigx", "pad\tx");
    var values = Arbitraries.of("0", "-0", "07", "-", "1.", "7", "-12", "12x", "123456789012345678", "-12345678901234567",
        "1234567890123456789", "1.50", "1e3", "true", "tru", "truex", "false", "null", "nul", "\"\"", "\"plain\"",
        "\"key-12345\"", "\"héllo wörld, long enough\"", "\"a\\\"b\"", "\"tab\tin\"", "\"unterminated", "[]", "{}",
        "[1,2]", "{\"a\":1}", "\"" + "x".repeat(60) + "\"");
    var member = Arbitraries.entries(names, values).map(e -> "\"" + e.getKey() + "\":" + e.getValue());
    return member.list().ofMaxSize(6).map(members -> "{" + String.join(",", members) + "}");
  }

  @Provide
  Arbitrary<Integer> cuts() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.just(0)), net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 12)));
  }

  @Provide
  Arbitrary<String> trailers() {
    return Arbitraries.of("", "\"", "\"}\"", "xxxxxxxxxxxxxxxx", "\"\"\"\"\"\"\"\"\"\"", "\\\\\\\\");
  }

  @Property(tries = 1000)
  void longStringsAreSkippedOrRefusedAsAFullParseReadsThem(@ForAll("bodies") String body) {
    // Eight bytes at a time, a skipped string must still stop at its quote, escape or control character.
    var json = "{\"skip\": \"" + body + "\", \"a\": 1}";
    Row expected;
    try {
      expected = full(json);
    } catch (IllegalArgumentException e) {
      assertThatThrownBy(() -> scan(json)).isInstanceOf(IllegalArgumentException.class);
      return;
    }
    assertThat(scan(json)).isEqualTo(expected);
  }

  @Provide
  Arbitrary<String> bodies() {
    return Arbitraries.of("a", "x", "\u00e9", "\\\\", "\\\"", "\\", "\"", "\t", "\u0001", "\u007f")
        .list().ofMaxSize(40).map(parts -> String.join("", parts));
  }

  @Provide
  Arbitrary<java.util.List<String>> texts() {
    // A small alphabet and many strings: repeats, and different strings sharing a slot.
    return Arbitraries.strings().withChars("ab\u00e9z").ofMaxLength(40).list().ofMaxSize(600);
  }

  @Provide
  Arbitrary<String> objects() {
    // Names a wanted one starts, or that start one, or spell one with escapes: a wanted name's bytes
    // are matched in place only when the closing quote follows them.
    var names = Arbitraries.of("a", "é", "big", "x", "skip", "\\u0061", "\\\"q", "nested", "ab", "bi", "bigx", "b\\u0069g", "x\\\"");
    var scalars =
        Arbitraries.of(
            "0",
            "-0",
            "7",
            "-12",
            "123456789012345678",
            "9223372036854775807",
            "-9223372036854775808",
            "92233720368547758070",
            "1.50",
            "-0.5",
            "1e3",
            "2.5E-2",
            "true",
            "false",
            "null",
            "\"\"",
            "\"plain\"",
            "\"tab\\t\\\"q\\\" \\u00e9 \\ud83d\\ude00\"",
            "\"héllo\"",
            "[]",
            "{}",
            "[1, [2, {\"k\": null}], \"s\"]",
            "{\"a\": {\"b\": [true]}}");
    var member =
        Arbitraries.entries(names, scalars).map(e -> "\"" + e.getKey() + "\" : " + e.getValue());
    return member.list().ofMaxSize(8).map(members -> " {" + String.join(",\n", members) + "} ");
  }

  @Test
  void malformedValuesAreRefusedEvenInFieldsNobodyReads() {
    for (var bad :
        new String[] {
          "{\"skip\": [1,}",
          "{\"skip\": 01}",
          "{\"skip\": tru}",
          "{\"a\": 1",
          "{\"a\": 1} x",
          "{\"skip\": \"\\q\"}",
          "{\"skip\" 1}"
        }) {
      assertThatThrownBy(() -> scan(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("the value ");
    }
    assertThatThrownBy(() -> scan("[1]")).hasMessage("the value is not a JSON object");
  }
}
