package dev.dialup.deploy.db.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
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
 * Start-up (issue 14) checked by what is loaded, not by time: a child JVM with the library's
 * runtime classpath opens an up-to-date database and runs a first query under
 * {@code -Xlog:class+load}. The fast path loads no Flyway engine, no Tink, protobuf, password4j or
 * ICU4J, and the jOOQ warm-up runs on its own thread unless turned off.
 */
class StartupClassLoadingTest {
    @TempDir
    Path dir;

    private List<String> loadedClasses(Path db, String... jvmFlags) throws Exception {
        List<String> cp = new ArrayList<>(Arrays.asList(Files.readString(Path.of("target", "runtime-classpath.txt"))
                .strip()
                .split(File.pathSeparator)));
        cp.addFirst(Path.of("target", "classes").toAbsolutePath().toString());
        Path mainDir = dir.resolve("main");
        if (!Files.exists(mainDir)) {
            Files.createDirectories(mainDir.resolve("dev/dialup/deploy/db"));
            Files.copy(
                    Path.of("target", "test-classes", "dev", "dialup", "deploy", "db", "ConsumerOpenMain.class"),
                    mainDir.resolve("dev/dialup/deploy/db/ConsumerOpenMain.class"));
        }
        cp.addFirst(mainDir.toString());
        Path log = dir.resolve("classes-" + System.nanoTime() + ".txt");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xlog:class+load=info:file=" + log));
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of(
                "-cp", String.join(File.pathSeparator, cp), "dev.dialup.deploy.db.ConsumerOpenMain", db.toString()));
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(err.toFile())
                .start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.readString(dir.resolve("out.txt"))).startsWith("opened at ");
        // "[0.123s][info][class,load] org.jooq.impl.DSL source: ..." -> "org.jooq.impl.DSL"
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("[class,load] "))
                .map(l -> l.substring(l.indexOf("[class,load] ") + 13).split(" ")[0])
                .toList();
    }

    private Path upToDateDatabase() {
        Path db = dir.resolve("startup.db");
        DialupDatabase.open(db).close();
        return db;
    }

    @Test
    void theFastPathLoadsNoFlywayEngineNoCryptoAndNoIcu() throws Exception {
        List<String> classes = loadedClasses(upToDateDatabase());
        assertThat(classes)
                .contains(
                        "dev.dialup.deploy.db.migration.UpToDateCheck",
                        "org.jooq.impl.DSL",
                        "com.zaxxer.hikari.HikariDataSource");
        assertThat(classes)
                .doesNotContain("org.flywaydb.core.Flyway")
                .noneMatch(c -> c.startsWith("org.flywaydb.core.internal.command.")
                        || c.startsWith("org.flywaydb.core.internal.database."))
                .noneMatch(c -> c.startsWith("com.google.crypto.tink.") || c.startsWith("com.google.protobuf."))
                .noneMatch(c -> c.startsWith("com.password4j.") || c.startsWith("com.ibm.icu."));
    }

    @Test
    void theJooqWarmupRunsOnItsOwnThreadOnMockConnectionsAndCanBeTurnedOff() throws Exception {
        Path db = upToDateDatabase();
        assertThat(loadedClasses(db))
                .contains("dev.dialup.deploy.db.engine.StartupWarmup", "org.jooq.tools.jdbc.MockConnection");
        assertThat(loadedClasses(db, "-D" + StartupWarmup.PROPERTY + "=false"))
                .contains("dev.dialup.deploy.db.engine.StartupWarmup", "org.jooq.impl.DSL")
                .doesNotContain("org.jooq.tools.jdbc.MockConnection");
    }

    @Test
    void theWarmupRendersAndRunsTypicalStatementsOnlyAgainstTheMock() {
        List<String> statements = StartupWarmup.run(org.jooq.SQLDialect.SQLITE);
        assertThat(statements).hasSize(2);
        assertThat(statements.get(0)).isEqualTo("select count(*) from `users`");
        assertThat(statements.get(1))
                .startsWith("select `users`.`id`, ")
                .endsWith(" from `users` where `users`.`id` = ?");
    }
}
