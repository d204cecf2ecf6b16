package dev.dialup.deploy.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service's view of the artifact: a child JVM with exactly the library's runtime classpath
 * (target/runtime-classpath.txt, written by maven-dependency-plugin) opens a new and then an
 * up-to-date database. No CLI, benchmark or logging backend on that classpath, and stderr holds
 * nothing but SLF4J's own "no providers" notice: no java.util.logging fallback, no JVM warnings
 * with the documented flag.
 */
class ConsumerClasspathTest {
    @TempDir
    Path dir;

    private static List<String> runtimeClasspath() throws Exception {
        Path file = Path.of("target", "runtime-classpath.txt");
        assertThat(file)
                .as("written by maven-dependency-plugin in generate-test-resources")
                .exists();
        return Arrays.asList(Files.readString(file).strip().split(File.pathSeparator));
    }

    /** A service's class path: the library, its runtime dependencies and the one main class of ConsumerOpenMain. */
    private List<String> consumerClasspath() throws Exception {
        List<String> cp = new ArrayList<>(runtimeClasspath());
        cp.addFirst(Path.of("target", "classes").toAbsolutePath().toString());
        // Only the one main class from the test classes: copy it into its own directory.
        Path mainDir = dir.resolve("main");
        Path cls = Path.of("target", "test-classes", "dev", "dialup", "deploy", "db", "ConsumerOpenMain.class");
        Files.createDirectories(mainDir.resolve("dev/dialup/deploy/db"));
        Files.copy(cls, mainDir.resolve("dev/dialup/deploy/db/ConsumerOpenMain.class"));
        cp.addFirst(mainDir.toString());
        return cp;
    }

    @Test
    void theRuntimeClasspathHasNoCliBenchmarkOrLoggingBackend() throws Exception {
        List<String> jars = runtimeClasspath().stream()
                .map(p -> Path.of(p).getFileName().toString())
                .toList();
        assertThat(jars).anyMatch(j -> j.startsWith("slf4j-api-")).anyMatch(j -> j.startsWith("jooq-"));
        assertThat(jars)
                .noneMatch(j -> j.startsWith("picocli")
                        || j.startsWith("jmh-")
                        || j.startsWith("slf4j-simple")
                        || j.startsWith("logback")
                        || j.startsWith("log4j")
                        || j.startsWith("slf4j-jdk")
                        || j.startsWith("slf4j-nop")
                        || j.startsWith("spring-")
                        || j.startsWith("junit")
                        || j.startsWith("assertj"));
    }

    @Test
    void openWithoutAnSlf4jProviderPrintsOnlySlf4jsNotice() throws Exception {
        List<String> cp = consumerClasspath();
        Path db = dir.resolve("consumer.db");
        for (String run : List.of("new database", "up-to-date database")) {
            Path out = dir.resolve("out.txt");
            Path err = dir.resolve("err.txt");
            Process p = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "--enable-native-access=ALL-UNNAMED",
                            "-cp",
                            String.join(File.pathSeparator, cp),
                            "dev.dialup.deploy.db.ConsumerOpenMain",
                            db.toString())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(run).isTrue();
            assertThat(p.exitValue()).as(run + ": " + Files.readString(err)).isZero();
            assertThat(Files.readString(out, StandardCharsets.UTF_8)).as(run).startsWith("opened at ");
            List<String> stderr = Files.readAllLines(err, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank())
                    .toList();
            assertThat(stderr).as(run).isNotEmpty().allMatch(l -> l.startsWith("SLF4J("), "is SLF4J's own notice");
        }
    }

    /** A service that switches to PostgreSQL changes one setting, DIALUP_DB, and nothing else: no code, no dependency. */
    @Test
    void aServiceSwitchesToPostgresqlWithDialupDbAloneAndNeverPrintsThePassword() throws Exception {
        List<String> cp = consumerClasspath();
        String canary = "Consumer-Canary-91c";
        try (var pg = dev.dialup.deploy.db.testing.PgTestServer.freshDatabase("consumer")) {
            Path out = dir.resolve("out.txt");
            Path err = dir.resolve("err.txt");
            ProcessBuilder pb = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "--enable-native-access=ALL-UNNAMED",
                            "-cp",
                            String.join(File.pathSeparator, cp),
                            "dev.dialup.deploy.db.ConsumerOpenMain")
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().put("DIALUP_DB", pg.location());
            pb.environment().put("PGPASSWORD", canary); // ignored by the test server (trust), never to be printed
            Process p = pb.start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(err)).isZero();
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(stdout)
                    .startsWith("opened at ")
                    .contains("engine postgresql, postgresql://")
                    .contains("/" + pg.name())
                    .doesNotContain("user=");
            assertThat(stdout + Files.readString(err, StandardCharsets.UTF_8)).doesNotContain(canary);
        }
    }
}
