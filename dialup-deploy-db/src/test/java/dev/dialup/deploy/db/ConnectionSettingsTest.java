package dev.dialup.deploy.db;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConnectionSettingsTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;

    @BeforeEach
    void open() {
        db = temp.db();
    }

    static String pragma(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void writerConnectionsHaveForeignKeysWalBusyTimeoutAndNormalSync() {
        db.withWriterConnection(c -> {
            assertThat(pragma(c, "foreign_keys")).isEqualTo("1");
            assertThat(pragma(c, "journal_mode")).isEqualToIgnoringCase("wal");
            assertThat(Integer.parseInt(pragma(c, "busy_timeout"))).isPositive();
            assertThat(pragma(c, "synchronous")).isEqualTo("1"); // NORMAL
            return null;
        });
    }

    @Test
    void readerConnectionsHaveTheSameSettingsAndAreReadOnly() {
        db.withReaderConnection(c -> {
            assertThat(pragma(c, "foreign_keys")).isEqualTo("1");
            assertThat(pragma(c, "journal_mode")).isEqualToIgnoringCase("wal");
            assertThat(Integer.parseInt(pragma(c, "busy_timeout"))).isPositive();
            assertThat(pragma(c, "synchronous")).isEqualTo("1");
            assertThat(c.isReadOnly()).isTrue();
            assertThatThrownBy(() -> {
                        try (Statement st = c.createStatement()) {
                            st.executeUpdate("UPDATE system_config SET value = 'x' WHERE key = 'audit.retention_days'");
                        }
                    })
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("readonly");
            return null;
        });
    }

    @Test
    void orphanInsertFailsThroughTheWriteApi() {
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.insertInto(SITES)
                        .set(SITES.NAME, "orphan")
                        .set(SITES.SLUG, "orphan")
                        .set(SITES.SITE_TYPE, "static")
                        .set(SITES.OWNER_ID, 424242L)
                        .execute()))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("FOREIGN KEY");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void foreignKeysAreEnforcedOnEveryReaderConnection() {
        // Readers cannot insert at all, so check the enforcement flag on every pooled reader at once.
        int readers = 4;
        var latch = new java.util.concurrent.CountDownLatch(readers);
        var flags = java.util.Collections.synchronizedList(new java.util.ArrayList<String>());
        var threads = new java.util.ArrayList<Thread>();
        for (int i = 0; i < readers; i++) {
            threads.add(Thread.ofPlatform()
                    .start(() -> db.withReaderConnection(c -> {
                        flags.add(pragma(c, "foreign_keys"));
                        latch.countDown();
                        try {
                            latch.await(); // hold the connection so the pool must hand out distinct ones
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return null;
                    })));
        }
        threads.forEach(t -> {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(flags).hasSize(readers).containsOnly("1");
    }

    @Test
    void sitesRejectBothOwnerAndOrganizationAndNeither() {
        var f = new Fixtures(db);
        long u = f.user("alice");
        long org = f.org("Acme", u);
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.insertInto(SITES)
                        .set(SITES.NAME, "both")
                        .set(SITES.SLUG, "both")
                        .set(SITES.SITE_TYPE, "static")
                        .set(SITES.OWNER_ID, u)
                        .set(SITES.ORGANIZATION_ID, org)
                        .execute()))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("CHECK");
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.insertInto(SITES)
                        .set(SITES.NAME, "neither")
                        .set(SITES.SLUG, "neither")
                        .set(SITES.SITE_TYPE, "static")
                        .execute()))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("CHECK");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        // and each single form is accepted
        assertThat(f.personalSite("mine", u)).isPositive();
        assertThat(f.orgSite("ours", org)).isPositive();
    }

    @Test
    void updateOrDeleteWithoutWhereIsRefusedByJooq() {
        assertThatThrownBy(() -> db.writeVoid(
                        tx -> tx.update(SITES).set(SITES.IS_ACTIVE, false).execute()))
                .isInstanceOf(DataAccessException.class);
        assertThatThrownBy(() -> db.writeVoid(tx -> tx.deleteFrom(SITES).execute()))
                .isInstanceOf(DataAccessException.class);
    }

    @Test
    void aReadInsideAWriteSeesTheUncommittedChangeAndAFailedWriteRollsBack() {
        var f = new Fixtures(db);
        long u = f.user("bob");
        assertThatThrownBy(() -> db.writeVoid(tx -> {
                    tx.insertInto(SITES)
                            .set(SITES.NAME, "tmp")
                            .set(SITES.SLUG, "tmp")
                            .set(SITES.SITE_TYPE, "static")
                            .set(SITES.OWNER_ID, u)
                            .execute();
                    int seen = db.read(dsl -> dsl.fetchCount(SITES, SITES.NAME.eq("tmp")));
                    assertThat(seen).isEqualTo(1);
                    throw new IllegalStateException("abort");
                }))
                .hasMessage("abort");
        int left = db.read(dsl -> dsl.fetchCount(SITES, SITES.NAME.eq("tmp")));
        assertThat(left).isZero();
    }
}
