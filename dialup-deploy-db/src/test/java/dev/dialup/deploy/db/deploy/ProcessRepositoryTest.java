package dev.dialup.deploy.db.deploy;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.MutableClock;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.conf.ParamType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@BothEngines
class ProcessRepositoryTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    final MutableClock clock = new MutableClock(T0);

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(clock);

    DialupDatabase db;
    ActorWorld actors;
    ProcessRepository repo;
    AccessScope sys;

    @BeforeEach
    void open() {
        db = temp.db();
        actors = ActorWorld.create(db);
        repo = new ProcessRepository(db);
        sys = actors.system();
    }

    private ProcessSpec spec(String id) {
        return new ProcessSpec(
                id,
                actors.orgSite,
                "ctr-" + id,
                4242,
                3000,
                "running",
                "docker",
                "npm start",
                "/srv/app",
                Instant.parse("2026-02-28T08:00:00.123Z"),
                512,
                50,
                "http://localhost:3000/health");
    }

    @Test
    void aRegisteredContainerIsReadBackWithItsMetadata() {
        ProcessInfo p = repo.register(sys, spec("web-1"));
        assertThat(p).isEqualTo(repo.find(sys, "web-1"));
        assertThat(p.siteId()).isEqualTo(actors.orgSite);
        assertThat(p.site()).isEqualTo("Org Site");
        assertThat(p.containerId()).isEqualTo("ctr-web-1");
        assertThat(p.memoryLimitMb()).isEqualTo(512);
        assertThat(p.cpuLimitPercent()).isEqualTo(50);
        assertThat(p.startTime()).isEqualTo(Instant.parse("2026-02-28T08:00:00.123Z"));
        assertThat(p.healthStatus()).isEqualTo(HealthStatus.UNKNOWN);
        assertThat(repo.listForSite(sys, actors.orgSite)).containsExactly(p);
    }

    @Test
    void startTimeIsStoredAsLegacyEpochMillis() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TempDatabase.onPostgres(), "the legacy Bun tracker writes to SQLite only");
        repo.register(sys, spec("web-1"));
        long millis = Instant.parse("2026-02-28T08:00:00.123Z").toEpochMilli();
        int rows = db.read(
                TestDb.system(db),
                dsl -> dsl.fetch(
                                "select 1 from processes where id = 'web-1' and typeof(startTime) = 'integer' and startTime = "
                                        + millis)
                        .size());
        assertThat(rows).isEqualTo(1);
    }

    @Test
    void aTakenIdIsAConflictAndWritesNothing() {
        repo.register(sys, spec("web-1"));
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> repo.register(sys, spec("web-1"))).isInstanceOf(ConflictException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void badSpecsAreRejectedBeforeAnythingIsWritten() {
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> repo.register(sys, spec("bad id")))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("id:");
        assertThatThrownBy(() -> repo.register(sys, spec("p").withLimits(-1, 10)))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("memoryLimitMb:");
        assertThatThrownBy(() -> repo.register(sys, spec("p").withHealthCheckUrl("ftp://x/health")))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> repo.register(sys, spec("p").withStatus("Running!")))
                .isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void aLegacyProcessCanBeReadUpdatedAndRemoved() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TempDatabase.onPostgres(), "the legacy Bun tracker writes to SQLite only");
        // A row exactly as the Bun application wrote it: TEXT id, epoch-millis startTime, no site_id.
        // The V55 trigger links it to the site of that name; one naming no site stays unlinked.
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.execute(
                        "INSERT INTO processes (id, site, port, pid, startTime, type, script, cwd, status) "
                                + "VALUES ('m3x9k2', 'Org Site', 3001, 999, 1700000000000, 'node', 'server.js', '/srv/acme', 'running')"));
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.execute(
                        "INSERT INTO processes (id, site, port, pid, startTime, type, script, cwd, status) "
                                + "VALUES ('orphan1', 'no-such-site', 3002, 998, 1700000000000, 'node', 'server.js', '/srv/x', 'running')"));
        assertThat(repo.find(sys, "orphan1").siteId()).isNull();
        repo.remove(sys, "orphan1");
        ProcessInfo legacy = repo.find(sys, "m3x9k2");
        assertThat(legacy.startTime()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
        assertThat(legacy.siteId()).isEqualTo(actors.orgSite);
        assertThat(legacy.healthStatus()).isEqualTo(HealthStatus.UNKNOWN);

        ProcessInfo adopted = repo.update(
                sys,
                new ProcessSpec(
                        "m3x9k2",
                        actors.orgSite,
                        "ctr-9",
                        999,
                        3001,
                        "running",
                        "node",
                        "server.js",
                        "/srv/acme",
                        legacy.startTime(),
                        256,
                        25,
                        null));
        assertThat(adopted.siteId()).isEqualTo(actors.orgSite);
        assertThat(adopted.memoryLimitMb()).isEqualTo(256);
        assertThat(repo.listForSite(sys, actors.orgSite))
                .extracting(ProcessInfo::id)
                .containsExactly("m3x9k2");

        repo.remove(sys, "m3x9k2");
        assertThatThrownBy(() -> repo.find(sys, "m3x9k2")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> repo.update(sys, spec("nope"))).isInstanceOf(NotFoundException.class);
    }

    @Test
    void processesOfAnAdoptedLegacyDatabaseAreLinkedToTheirSitesAndManageable(@TempDir Path legacyDir)
            throws Exception {
        Path file = legacyDir.resolve("dialup-deploy.db");
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                var st = c.createStatement()) {
            st.execute(
                    "CREATE TABLE processes (id TEXT PRIMARY KEY, site TEXT NOT NULL, port INTEGER NOT NULL, pid INTEGER,"
                            + " startTime INTEGER NOT NULL, type TEXT NOT NULL, script TEXT NOT NULL, cwd TEXT NOT NULL, status TEXT NOT NULL)");
            st.execute(
                    "INSERT INTO processes VALUES ('lq8w1x', 'blog', 4000, 321, 1690000000000, 'node', 'index.js', '/srv/blog', 'running')");
        }
        try (DialupDatabase legacy =
                DialupDatabase.builder().path(file).allowSystemScope().build()) {
            AccessScope sys = legacy.systemScope("test"); // the legacy database's own system scope
            ProcessRepository processes = new ProcessRepository(legacy);
            ProcessInfo p = processes.find(sys, "lq8w1x");
            assertThat(p.siteId()).isNotNull();
            assertThat(p.site()).isEqualTo("blog");
            assertThat(p.startTime()).isEqualTo(Instant.ofEpochMilli(1_690_000_000_000L));
            assertThat(processes.listForSite(sys, p.siteId())).containsExactly(p);
            assertThat(processes.recordHealthCheck(sys, "lq8w1x", true, null).healthStatus())
                    .isEqualTo(HealthStatus.HEALTHY);
            ProcessInfo limited = processes.update(
                    sys,
                    new ProcessSpec(
                            p.id(),
                            p.siteId(),
                            "ctr-blog",
                            p.pid(),
                            p.port(),
                            p.status(),
                            p.type(),
                            p.script(),
                            p.cwd(),
                            p.startTime(),
                            256,
                            20,
                            null));
            assertThat(limited.memoryLimitMb()).isEqualTo(256);
            assertThat(limited.healthStatus())
                    .as("health survives a metadata update")
                    .isEqualTo(HealthStatus.HEALTHY);
        }
    }

    @Test
    void aProcessBecomesUnhealthyAfterTheConfiguredNumberOfFailuresAndHealthyOnSuccess() {
        repo.register(sys, spec("web-1"));
        assertThat(repo.recordHealthCheck(sys, "web-1", true, null).healthStatus())
                .isEqualTo(HealthStatus.HEALTHY);
        assertThat(repo.recordHealthCheck(sys, "web-1", false, "timeout").healthStatus())
                .isEqualTo(HealthStatus.HEALTHY);
        assertThat(repo.recordHealthCheck(sys, "web-1", false, "timeout").healthStatus())
                .isEqualTo(HealthStatus.HEALTHY);
        clock.advance(Duration.ofSeconds(7));
        ProcessInfo down = repo.recordHealthCheck(sys, "web-1", false, "HTTP 502");
        assertThat(down.healthStatus()).isEqualTo(HealthStatus.UNHEALTHY);
        assertThat(down.consecutiveFailures()).isEqualTo(3);
        assertThat(down.healthMessage()).isEqualTo("HTTP 502");
        assertThat(down.lastHealthCheck()).isEqualTo(T0.plusSeconds(7));
        assertThat(repo.unhealthy(sys, 10)).extracting(ProcessInfo::id).containsExactly("web-1");
        ProcessInfo up = repo.recordHealthCheck(sys, "web-1", true, null);
        assertThat(up.healthStatus()).isEqualTo(HealthStatus.HEALTHY);
        assertThat(up.consecutiveFailures()).isZero();
        assertThat(repo.unhealthy(sys, 10)).isEmpty();
        // five probes, three changes of status (unknown→healthy→unhealthy→healthy): one audit row per change
        int changes = db.read(
                TestDb.system(db), dsl -> dsl.fetchCount(AUDIT_LOG, AUDIT_LOG.ACTION.eq("process.health_status")));
        assertThat(changes).isEqualTo(3);
    }

    @Test
    void processesAreDueWhenNeverCheckedOrLastCheckedLongerAgoThanTheInterval() {
        for (String id : List.of("never", "stale", "fresh")) repo.register(sys, spec(id));
        repo.recordHealthCheck(sys, "stale", true, null);
        clock.advance(Duration.ofSeconds(90));
        repo.recordHealthCheck(sys, "fresh", true, null);
        clock.advance(Duration.ofSeconds(30));
        assertThat(repo.dueForHealthCheck(sys, Duration.ofSeconds(60), 10))
                .extracting(ProcessInfo::id)
                .containsExactly("never", "stale");
        assertThat(repo.dueForHealthCheck(sys, Duration.ofSeconds(10), 10))
                .extracting(ProcessInfo::id)
                .containsExactly("never", "stale", "fresh");
        assertThat(repo.dueForHealthCheck(sys, Duration.ofSeconds(10), 1))
                .extracting(ProcessInfo::id)
                .containsExactly("never");
    }

    @Test
    void dueAndUnhealthyQueriesAreServedByIndexes() {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TempDatabase.onPostgres(), "EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans are measured in issue 13");
        List<String> due = plan(repo.dueQuery(db.readDsl(), T0, 100).getSQL(ParamType.INLINED));
        List<String> unhealthy = plan(repo.unhealthyQuery(db.readDsl(), 100).getSQL(ParamType.INLINED));
        assertThat(due).anyMatch(line -> line.contains("USING INDEX idx_processes_last_health_check"));
        assertThat(due).noneMatch(line -> line.matches(".*SCAN p\\b(?! USING).*"));
        assertThat(unhealthy).anyMatch(line -> line.contains("USING INDEX idx_processes_unhealthy"));
    }

    private List<String> plan(String sql) {
        return db.withReaderConnection(c -> {
            List<String> lines = new ArrayList<>();
            try (var st = c.createStatement();
                    var rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
                while (rs.next()) lines.add(rs.getString("detail"));
            }
            return lines;
        });
    }
}
