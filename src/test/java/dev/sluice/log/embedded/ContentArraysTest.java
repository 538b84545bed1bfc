package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContentArraysTest {

  @Test
  void anArrayGivenBackIsTakenAgainWhenItIsLargeEnough() {
    ContentArrays arrays = new ContentArrays();
    byte[] first = arrays.take(12_000);
    assertThat(first.length).isGreaterThanOrEqualTo(12_000);
    arrays.giveBack(first);

    assertThat(arrays.take(first.length)).isSameAs(first);
  }

  @Test
  void anArrayTooSmallForTheRequestIsNotTaken() {
    ContentArrays arrays = new ContentArrays();
    byte[] small = arrays.take(100);
    arrays.giveBack(small);

    byte[] large = arrays.take(small.length + 1);
    assertThat(large).isNotSameAs(small);
    assertThat(large.length).isGreaterThan(small.length);
  }

  @Test
  void arraysLargerThanTheLimitAreNotKept() {
    ContentArrays arrays = new ContentArrays();
    byte[] huge = arrays.take(ContentArrays.ARRAY_BYTES_MAX + 1);
    assertThat(huge).hasSize(ContentArrays.ARRAY_BYTES_MAX + 1);
    arrays.giveBack(huge);

    assertThat(arrays.take(10)).isNotSameAs(huge);
  }
}
