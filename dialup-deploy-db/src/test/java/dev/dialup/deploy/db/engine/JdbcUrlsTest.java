package dev.dialup.deploy.db.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JdbcUrlsTest {
    @Test
    void credentialsAreRedactedAndEverythingElseKept() {
        assertThat(JdbcUrls.redact(
                        "jdbc:postgresql://db.example:5432/dialup?user=owner&password=s3cr%26t&sslmode=require"))
                .isEqualTo("jdbc:postgresql://db.example:5432/dialup?user=***&password=***&sslmode=require");
        assertThat(JdbcUrls.redact("jdbc:postgresql://db/dialup?sslmode=verify-full&sslpassword=x&PASSWORD=y"))
                .isEqualTo("jdbc:postgresql://db/dialup?sslmode=verify-full&sslpassword=***&PASSWORD=***");
        assertThat(JdbcUrls.redact("jdbc:postgresql://owner:pw@db/dialup"))
                .isEqualTo("jdbc:postgresql://***@db/dialup");
        assertThat(JdbcUrls.redact("jdbc:postgresql://db/dialup")).isEqualTo("jdbc:postgresql://db/dialup");
        assertThat(JdbcUrls.redact("data/dialup-deploy.db")).isEqualTo("data/dialup-deploy.db");
        assertThat(JdbcUrls.redact(null)).isNull();
    }

    @Test
    void recognisesPostgresUrlsOnly() {
        assertThat(JdbcUrls.isPostgres("jdbc:postgresql://h/db")).isTrue();
        assertThat(JdbcUrls.isPostgres("JDBC:POSTGRESQL://h/db")).isTrue();
        assertThat(JdbcUrls.isPostgres("jdbc:sqlite:x.db")).isFalse();
        assertThat(JdbcUrls.isPostgres("./data/x.db")).isFalse();
        assertThat(JdbcUrls.isPostgres(null)).isFalse();
    }

    @Test
    void theToolsGetTheConnectionThroughTheEnvironment() {
        Map<String, String> env = PgTools.environmentFor(
                "jdbc:postgresql://db1:5433,db2:5434/dialup?user=owner&password=p%40ss&sslmode=require");
        assertThat(env)
                .containsEntry("PGHOST", "db1,db2")
                .containsEntry("PGPORT", "5433,5434")
                .containsEntry("PGDATABASE", "dialup")
                .containsEntry("PGUSER", "owner")
                .containsEntry("PGPASSWORD", "p@ss")
                .containsEntry("PGSSLMODE", "require");
    }

    @Test
    void aMalformedUrlIsRefusedWithoutShowingItsPassword() {
        // pgjdbc reports the bad port through java.util.logging as well: keep it out of the build log.
        java.util.logging.Logger driverLog = java.util.logging.Logger.getLogger("org.postgresql");
        java.util.logging.Level before = driverLog.getLevel();
        driverLog.setLevel(java.util.logging.Level.OFF);
        try {
            assertThatThrownBy(() -> JdbcUrls.postgresProperties("jdbc:postgresql://h:notaport/db?password=topsecret"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining("topsecret");
        } finally {
            driverLog.setLevel(before);
        }
    }
}
