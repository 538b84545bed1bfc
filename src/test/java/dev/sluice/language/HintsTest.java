package dev.sluice.language;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HintsTest {
  private static final List<String> FIELDS = List.of("customer_id", "country", "amount", "status");

  @Test
  void suggestsTheFieldOneTypoAway() {
    assertThat(Hints.didYouMean("custmer_id", FIELDS)).contains("customer_id");
  }

  @Test
  void swappedNeighboursCountAsOneTypo() {
    assertThat(Hints.didYouMean("stauts", FIELDS)).contains("status");
    assertThat(Hints.distance("stauts", "status")).isEqualTo(1);
  }

  @Test
  void ignoresCaseAndReturnsTheCandidateAsGiven() {
    assertThat(Hints.didYouMean("selec", List.of("SELECT", "WHERE"))).contains("SELECT");
    assertThat(Hints.didYouMean("Country", FIELDS)).contains("country");
  }

  @Test
  void suggestsNothingWhenNothingIsClose() {
    assertThat(Hints.didYouMean("revenue", FIELDS)).isEmpty();
    assertThat(Hints.didYouMean("x", List.of("y", "a"))).isEmpty();
    assertThat(Hints.didYouMean("status", List.of())).isEmpty();
  }

  @Test
  void allowsMoreTyposInLongerWords() {
    assertThat(Hints.didYouMean("amout", FIELDS)).contains("amount");
    assertThat(Hints.didYouMean("substring", List.of("substr"))).contains("substr");
    assertThat(Hints.didYouMean("ab", List.of("xy"))).isEmpty();
  }

  @Test
  void neverSuggestsTheWordItself() {
    assertThat(Hints.didYouMean("status", FIELDS)).isEmpty();
  }

  @Test
  void tiesGoToTheAlphabeticallyFirstCandidate() {
    assertThat(Hints.didYouMean("cat", List.of("cot", "bat", "cut"))).contains("bat");
  }
}
