package dev.dialup.deploy.db.audit;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class AuditLogRepositoryTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    AuditLogRepository auditLog;
    Fixtures f;

    @BeforeEach
    void open() {
        db = temp.db();
        auditLog = new AuditLogRepository(db);
        f = new Fixtures(db);
    }

    void insert(int n, Long org, Instant at) {
        db.writeVoid(TestDb.system(db), tx -> {
            for (int i = 0; i < n; i++) {
                tx.insertInto(AUDIT_LOG)
                        .set(AUDIT_LOG.ACTOR_LABEL, "system:test")
                        .set(AUDIT_LOG.ACTION, "test.row")
                        .set(AUDIT_LOG.TARGET_TYPE, "test")
                        .set(AUDIT_LOG.TARGET_ID, String.valueOf(i))
                        .set(AUDIT_LOG.ORGANIZATION_ID, org)
                        .set(AUDIT_LOG.CREATED_AT, at)
                        .execute();
            }
        });
    }

    @Test
    void pagesRunNewestFirstWithoutDuplicatesOrGapsWhileRowsKeepArriving() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        insert(47, null, now);
        AccessScope admin = new AccessScopes(db).forUser(f.admin("root"));
        List<Long> all = db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.ID)
                        .from(AUDIT_LOG)
                        .orderBy(AUDIT_LOG.ID.desc())
                        .fetch(AUDIT_LOG.ID));

        List<Long> seen = new ArrayList<>();
        PageCursor cursor = null;
        do {
            Page<AuditEntry> page = auditLog.list(admin, null, cursor, 10);
            page.items().forEach(e -> seen.add(e.id()));
            cursor = page.next().orElse(null);
            insert(1, null, now); // newer rows land before the first page, never inside later ones
        } while (cursor != null);

        assertThat(seen).containsExactlyElementsOf(all);
    }

    @Test
    void organizationAdminsReadOnlyTheirOrganizationsRows() {
        long owner = f.user("owner");
        long org = f.org("Acme", owner);
        long other = f.org("Other", f.user("other"));
        AccessScope ownerScope = new AccessScopes(db).forUser(owner);
        SiteRepository sites = new SiteRepository(db);
        sites.create(ownerScope, NewSite.forOrganization(org, "Acme Web", SiteType.STATIC));
        sites.create(ownerScope, NewSite.personal("Owner Private", SiteType.STATIC));
        insert(3, other, Instant.now().truncatedTo(ChronoUnit.MILLIS));

        Page<AuditEntry> page = auditLog.list(ownerScope, null, null, 50);

        assertThat(page.items()).extracting(AuditEntry::action).containsExactly("site.create");
        assertThat(page.items()).allSatisfy(e -> assertThat(e.organizationId()).isEqualTo(org));
        assertThat(page.items().get(0).actorLabel()).isEqualTo("user:" + owner);
        assertThatThrownBy(() -> auditLog.list(ownerScope, other, null, 50)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void pruneDeletesOnlyRowsOlderThanTheRetentionInBatchesAndRecordsOneRow() {
        ActorWorld.setConfig(db, ConfigKeys.AUDIT_RETENTION_DAYS, "30");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        insert(AuditLogRepository.PRUNE_BATCH * 2 + 7, null, now.minus(31, ChronoUnit.DAYS));
        insert(5, null, now.minus(29, ChronoUnit.DAYS));

        long deleted = auditLog.prune(db.systemScope("retention"));

        assertThat(deleted).isEqualTo(AuditLogRepository.PRUNE_BATCH * 2 + 7);
        List<String> left = db.read(
                TestDb.system(db),
                dsl -> dsl.select(AUDIT_LOG.ACTION)
                        .from(AUDIT_LOG)
                        .orderBy(AUDIT_LOG.ID)
                        .fetch(AUDIT_LOG.ACTION));
        assertThat(left).containsExactly("test.row", "test.row", "test.row", "test.row", "test.row", "audit.prune");
        assertThat(auditLog.prune(db.systemScope("retention"))).isZero();
    }

    @Test
    void theTriggersRefuseEditingOrDeletingRecentRowsEvenWithoutTheRepository() {
        insert(1, null, Instant.now().truncatedTo(ChronoUnit.MILLIS));
        var before = DbSnapshot.of(db);

        if (TempDatabase.onPostgres()) {
            // No UPDATE policy on audit_log: row-level security gives no caller, not even the system scope, a row
            // to update, before the append-only trigger is reached.
            int updated = db.write(
                    TestDb.system(db),
                    tx -> tx.update(AUDIT_LOG)
                            .set(AUDIT_LOG.ACTION, "forged")
                            .where(AUDIT_LOG.ID.gt(0L))
                            .execute());
            assertThat(updated).isZero();
        } else {
            assertThatThrownBy(() -> db.writeVoid(
                            TestDb.system(db),
                            tx -> tx.update(AUDIT_LOG)
                                    .set(AUDIT_LOG.ACTION, "forged")
                                    .where(AUDIT_LOG.ID.gt(0L))
                                    .execute()))
                    .hasMessageContaining("append-only");
        }
        assertThatThrownBy(() -> db.writeVoid(
                        TestDb.system(db),
                        tx -> tx.deleteFrom(AUDIT_LOG)
                                .where(AUDIT_LOG.ID.gt(0L))
                                .execute()))
                .hasMessageContaining("younger than 30 days can never be deleted");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void aFailedMutationWritesNoAuditRow() {
        long alice = f.user("alice");
        AccessScope scope = new AccessScopes(db).forUser(alice);
        SiteRepository sites = new SiteRepository(db);
        sites.create(scope, NewSite.personal("Taken", SiteType.STATIC));
        int before = db.read(TestDb.system(db), dsl -> dsl.fetchCount(AUDIT_LOG));

        assertThatThrownBy(() -> sites.create(scope, NewSite.personal("Taken", SiteType.STATIC)))
                .isInstanceOf(dev.dialup.deploy.db.ConflictException.class);

        int after = db.read(TestDb.system(db), dsl -> dsl.fetchCount(AUDIT_LOG));
        assertThat(after).isEqualTo(before);
    }
}
