package dev.sluice;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The boxes of VISION.md stay boxes: each outside library is used by one package only. Rules about
 * packages still to be written pass while those packages are empty, and bind once they exist.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.sluice");
  }

  @Test
  void onlyTheServerSpeaksHttp() {
    noClasses().that().resideOutsideOfPackage("dev.sluice.server..")
        .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void onlyTheKafkaBackendAndTheBenchmarksUseKafka() {
    noClasses().that().resideOutsideOfPackages("dev.sluice.kafka..", "dev.sluice.bench..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void onlyTheStoresUseRocksDb() {
    noClasses().that().resideOutsideOfPackage("dev.sluice.stores..")
        .should().dependOnClassesThat().resideInAnyPackage("org.rocksdb..")
        .allowEmptyShould(true)
        .check(classes);
  }

  /** The search benchmark drives a raw IndexWriter to compare against: the one use outside the stores. */
  @Test
  void onlyTheStoresAndTheBenchmarksUseLucene() {
    noClasses().that().resideOutsideOfPackages("dev.sluice.stores..", "dev.sluice.bench..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.lucene..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void onlyTheCommandLineUsesPicocli() {
    noClasses().that().resideOutsideOfPackage("dev.sluice.cli..")
        .should().dependOnClassesThat().resideInAnyPackage("picocli..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void theLogDependsOnNothingBuiltOnIt() {
    noClasses().that().resideInAPackage("dev.sluice.log..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.sluice.server..", "dev.sluice.cli..", "dev.sluice.language..", "dev.sluice.bench..", "dev.sluice.kafka..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void theLanguageKnowsNothingOfServingOrStorage() {
    noClasses().that().resideInAPackage("dev.sluice.language..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.sluice.server..", "dev.sluice.cli..", "dev.sluice.log.embedded..")
        .allowEmptyShould(true)
        .check(classes);
  }
}
