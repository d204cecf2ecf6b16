package dev.dialup.deploy.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.deploy.DeploymentStatus;
import dev.dialup.deploy.db.deploy.NewDeployment;
import dev.dialup.deploy.db.deploy.ProcessRepository;
import dev.dialup.deploy.db.deploy.ProcessSpec;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.SiteDomainRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.tenancy.OrganizationRepository;
import dev.dialup.deploy.db.tenancy.UserRepository;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.MutableClock;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every uniqueness rule of the domain repositories rests on a UNIQUE constraint, not on the look-up
 * before the write: a rival row written <em>after</em> the repository's own checks (by a test trigger
 * that fires just before the repository's statement, as a second writer would) still ends in the
 * same {@link ConflictException}, and the whole call — the rival row included — leaves nothing behind.
 * Before each call the value is free, so any look-up the repository makes passes.
 */
@BothEngines
class UniquenessRestsOnConstraintsTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(clock);

    DialupDatabase db;
    ActorWorld w;
    AccessScope owner;
    AccessScope system;

    @BeforeEach
    void open() {
        db = temp.db();
        w = ActorWorld.create(db).withLoginsAndHistory();
        owner = w.scopes.get(Actor.ORG_OWNER);
        system = w.systemScope;
    }

    /** The table of the rival trigger (PostgreSQL drops a trigger by table). */
    private String rivalTable;

    @AfterEach
    void close() {
        if (rivalTable != null) dropRival(); // the extension closes the database
    }

    /**
     * A second writer's row, written by a trigger right before the repository's statement on {@code table}.
     * SQLite: a {@code WHEN} trigger with the SQL as its body. PostgreSQL: the same as a PL/pgSQL row trigger
     * that fires for the repository's statement only (trigger depth 0), never for the rival's own insert.
     */
    private void rival(String timing, String table, String when, String rivalSql) {
        rivalTable = table;
        if (TempDatabase.onPostgres()) {
            String condition = "pg_trigger_depth() < 1" + ("1".equals(when) ? "" : " AND " + when);
            String body = rivalSql.replace("x'00'", "'\\x00'::bytea").replace("startTime", "\"startTime\"");
            // DDL as the owner (the library's runtime role may not); the rival is another writer, so it writes
            // as the system capability, then gives the caller's transaction its own identity back.
            temp.executeAsOwner(
                    "CREATE FUNCTION test_rival_fn() RETURNS trigger LANGUAGE plpgsql AS $body$ DECLARE caller text"
                            + " := coalesce(current_setting('dialup.system', true), ''); BEGIN"
                            + " PERFORM set_config('dialup.system', 'on', true); " + body
                            + "; PERFORM set_config('dialup.system', caller, true); RETURN NEW; END $body$",
                    "CREATE TRIGGER test_rival " + timing + " ON " + table + " FOR EACH ROW WHEN (" + condition
                            + ") EXECUTE FUNCTION test_rival_fn()");
            return;
        }
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.execute("CREATE TRIGGER test_rival " + timing + " ON " + table + " WHEN " + when + " BEGIN "
                        + rivalSql + "; END"));
    }

    private void dropRival() {
        if (TempDatabase.onPostgres()) {
            temp.executeAsOwner(
                    "DROP TRIGGER IF EXISTS test_rival ON " + rivalTable, "DROP FUNCTION IF EXISTS test_rival_fn()");
        } else {
            db.writeVoid(TestDb.system(db), tx -> tx.execute("DROP TRIGGER IF EXISTS test_rival"));
        }
        rivalTable = null;
    }

    /**
     * The call fails with exactly {@code message} and changes no row; without the rival the same
     * call then succeeds — so the value was free when the call began and only the constraint
     * stopped it.
     */
    private void conflictAndNothingWritten(String message, Runnable call) {
        Map<String, List<String>> before = DbSnapshot.of(db);
        assertThatThrownBy(call::run)
                .isExactlyInstanceOf(ConflictException.class)
                .hasMessage(message);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        dropRival();
        call.run();
        assertThat(DbSnapshot.of(db)).isNotEqualTo(before);
    }

    private int count(String sql) {
        return db.read(TestDb.system(db), dsl -> dsl.fetchOne(sql).get(0, Integer.class));
    }

    // --- users ---------------------------------------------------------------------------------

    @Test
    void usernameTakenBetweenTheLookUpAndTheInsert() {
        assertThat(count("SELECT count(*) FROM users WHERE username = 'racer'")).isZero();
        rival(
                "BEFORE INSERT",
                "users",
                "NEW.username = 'racer'",
                "INSERT INTO users (username, email, password_hash) VALUES ('racer', 'rival@race.test', 'x')");
        conflictAndNothingWritten(
                "username is taken",
                () -> new UserRepository(db).register(system, "racer", "racer@race.test", ActorWorld.PASSWORD, null));
    }

    @Test
    void emailTakenBetweenTheLookUpAndTheInsert() {
        rival(
                "BEFORE INSERT",
                "users",
                "NEW.username = 'racer'",
                "INSERT INTO users (username, email, password_hash) VALUES ('rival', 'RACER@race.test', 'x')");
        conflictAndNothingWritten(
                "email is already registered",
                () -> new UserRepository(db).register(system, "racer", "racer@race.test", ActorWorld.PASSWORD, null));
    }

    // --- organizations -------------------------------------------------------------------------

    private String rivalOrg(String name, String slug) {
        return "INSERT INTO organizations (name, name_key, slug, owner_id) VALUES ('" + name + "', lower('" + name
                + "'), '" + slug + "', " + w.outsider + ")";
    }

    @Test
    void organizationNameTakenOnCreate() {
        rival("BEFORE INSERT", "organizations", "NEW.name = 'Race Org'", rivalOrg("Race Org", "rival-org"));
        conflictAndNothingWritten(
                "organization name is taken",
                () -> new OrganizationRepository(db).create(owner, "Race Org", "race-org", null));
    }

    @Test
    void organizationNameTakenOnRename() {
        rival("BEFORE UPDATE OF name", "organizations", "NEW.name = 'Race Org'", rivalOrg("Race Org", "rival-org"));
        conflictAndNothingWritten(
                "organization name is taken", () -> new OrganizationRepository(db).rename(owner, w.orgA, "Race Org"));
    }

    @Test
    void organizationSlugTakenOnCreate() {
        rival("BEFORE INSERT", "organizations", "NEW.name = 'Slug Org'", rivalOrg("Other Org", "race-slug"));
        conflictAndNothingWritten(
                "organization slug is taken",
                () -> new OrganizationRepository(db).create(owner, "Slug Org", "race-slug", null));
    }

    /**
     * A slug the library derived (the caller chose none) and another writer took meanwhile is no conflict of the
     * caller's: the insert steps aside to the next free slug (docs/architecture.md, "Many writers on PostgreSQL").
     */
    @Test
    void derivedOrganizationSlugTakenAfterItWasChosenStepsAside() {
        // The rival fires on each attempt; the failed attempt's savepoint takes its row back with it.
        rival("BEFORE INSERT", "organizations", "NEW.name = 'Derived Org'", rivalOrg("Other Org", "derived-org"));

        var created = new OrganizationRepository(db).create(owner, "Derived Org", null, null);

        assertThat(created.slug()).isEqualTo("derived-org-2");
        assertThat(count("SELECT count(*) FROM organizations WHERE slug = 'derived-org' AND name = 'Other Org'"))
                .isOne();
        assertThat(count("SELECT count(*) FROM audit_log WHERE action = 'organization.create'"))
                .isOne();
    }

    private String rivalMembership() {
        return "INSERT INTO organization_members (user_id, organization_id, role) VALUES (NEW.user_id, NEW.organization_id, 'member')";
    }

    @Test
    void memberAddedByIdTwice() {
        rival("BEFORE INSERT", "organization_members", "NEW.user_id = " + w.outsider, rivalMembership());
        conflictAndNothingWritten(
                "user " + w.outsider + " is already a member",
                () -> new OrganizationRepository(db).addMember(system, w.orgA, w.outsider, OrgRole.MEMBER));
        assertThat(count("SELECT count(*) FROM organization_members WHERE user_id = " + w.outsider))
                .isOne(); // the retry's
    }

    @Test
    void invitationAcceptedBySomeoneAlreadyAMember() {
        long stranger = w.id(Actor.STRANGER);
        rival("BEFORE INSERT", "organization_members", "NEW.user_id = " + stranger, rivalMembership());
        conflictAndNothingWritten(
                "you are already a member of organization " + w.orgA,
                () -> new OrganizationRepository(db)
                        .acceptInvitation(w.scopes.get(Actor.STRANGER), w.strangerInvitation));
        assertThat(count("SELECT count(*) FROM organization_invitations WHERE id = " + w.strangerInvitation
                        + " AND status = 'accepted'"))
                .isOne(); // by the retry; the refused call left it pending (snapshot)
    }

    @Test
    void secondPendingInvitationForTheSameInvitee() {
        assertThat(count("SELECT count(*) FROM organization_invitations WHERE invitee = 'racer'"))
                .isZero();
        rival(
                "BEFORE INSERT",
                "organization_invitations",
                "NEW.invitee = 'racer'",
                "INSERT INTO organization_invitations (organization_id, invitee, role, status, created_at, expires_at)"
                        + " VALUES (NEW.organization_id, NEW.invitee, 'member', 'pending', NEW.created_at, NEW.expires_at)");
        conflictAndNothingWritten(
                "'racer' already has a pending invitation to this organization",
                () -> new OrganizationRepository(db).invite(owner, w.orgA, "racer", OrgRole.MEMBER));
    }

    // --- sites ---------------------------------------------------------------------------------

    private String rivalSite(String name, String slug, String subdomain) {
        return "INSERT INTO sites (name, name_key, slug, site_type, owner_id, subdomain) VALUES ('" + name
                + "', lower('" + name + "'), '" + slug + "', 'static', " + w.outsider + ", "
                + (subdomain == null ? "NULL" : "'" + subdomain + "'") + ")";
    }

    private NewSite orgSite(String name, String slug) {
        return new NewSite(name, slug, SiteType.STATIC, w.orgA, null);
    }

    @Test
    void siteNameTakenOnCreate() {
        rival("BEFORE INSERT", "sites", "NEW.name = 'Race Site'", rivalSite("Race Site", "rival-site", null));
        conflictAndNothingWritten(
                "site name is taken", () -> new SiteRepository(db).create(owner, orgSite("Race Site", "race-site")));
    }

    @Test
    void siteSlugTakenOnCreate() {
        rival("BEFORE INSERT", "sites", "NEW.name = 'Slug Site'", rivalSite("Other Site", "race-site", null));
        conflictAndNothingWritten(
                "site slug is taken", () -> new SiteRepository(db).create(owner, orgSite("Slug Site", "race-site")));
    }

    @Test
    void subdomainTakenOnUpdate() {
        SiteRepository sites = new SiteRepository(db);
        var config = sites.find(owner, w.orgSite).config().withDomain(null, "race");
        rival(
                "BEFORE UPDATE",
                "sites",
                "NEW.subdomain = 'race' AND NEW.id = " + w.orgSite,
                rivalSite("Other Site", "other-site", "race"));
        conflictAndNothingWritten("subdomain race is already taken", () -> sites.update(owner, w.orgSite, config));
    }

    @Test
    void hostNameClaimedOnUpdate() {
        SiteRepository sites = new SiteRepository(db);
        var config = sites.find(owner, w.orgSite).config().withDomain("race.test", null);
        rival(
                "BEFORE UPDATE",
                "sites",
                "NEW.domain = 'race.test' AND NEW.id = " + w.orgSite,
                "INSERT INTO site_domains (site_id, domain, is_primary) VALUES (" + w.personalSite
                        + ", 'race.test', FALSE)");
        conflictAndNothingWritten("domain race.test is already claimed", () -> sites.update(owner, w.orgSite, config));
    }

    @Test
    void customDomainClaimedOnAdd() {
        rival(
                "BEFORE INSERT",
                "site_domains",
                "NEW.domain = 'race.test' AND NEW.site_id = " + w.orgSite,
                "INSERT INTO site_domains (site_id, domain, is_primary) VALUES (" + w.personalSite
                        + ", 'race.test', FALSE)");
        conflictAndNothingWritten(
                "domain race.test is already claimed",
                () -> new SiteDomainRepository(db).add(owner, w.orgSite, "race.test"));
    }

    // --- deployments and processes -----------------------------------------------------------------

    @Test
    void processIdTakenOnRegister() {
        rival(
                "BEFORE INSERT",
                "processes",
                "NEW.id = 'race-proc' AND NEW.site_id IS NOT NULL",
                "INSERT INTO processes (id, site, port, startTime, type, script, cwd, status)"
                        + " VALUES ('race-proc', 'legacy', 3000, 0, 'bun', 'index.ts', '/srv', 'running')");
        conflictAndNothingWritten(
                "process race-proc already exists",
                () -> new ProcessRepository(db)
                        .register(system, ProcessSpec.container("race-proc", w.orgSite, "c-1", 3000, clock.instant())));
    }

    @Test
    void logChunkPlaceTakenByAnotherWriter() {
        DeploymentRepository deployments = new DeploymentRepository(db);
        long id = deployments
                .create(system, w.orgSite, new NewDeployment(null, null, null))
                .id();
        deployments.transition(system, id, DeploymentStatus.BUILDING);
        rival(
                "BEFORE INSERT",
                "deployment_log_chunks",
                "NEW.content = 'mine'",
                "INSERT INTO deployment_log_chunks (deployment_id, seq, content, created_at)"
                        + " VALUES (NEW.deployment_id, NEW.seq, 'theirs', NEW.created_at)");
        conflictAndNothingWritten(
                "deployment " + id + ": another writer appended to the log at the same time; try again",
                () -> deployments.appendLog(system, id, "mine"));
    }

    @Test
    void logArchivedByAnotherWriter() {
        DeploymentRepository deployments = new DeploymentRepository(db);
        long id = deployments
                .create(system, w.orgSite, new NewDeployment(null, null, null))
                .id();
        deployments.transition(system, id, DeploymentStatus.BUILDING);
        deployments.appendLog(system, id, "output");
        deployments.transition(system, id, DeploymentStatus.SUCCESS);
        clock.advance(Duration.ofDays(91));
        rival(
                "BEFORE INSERT",
                "deployment_log_archives",
                "1",
                "INSERT INTO deployment_log_archives (deployment_id, compressed, original_bytes, chunk_count, archived_at)"
                        + " VALUES (NEW.deployment_id, x'00', 0, 0, NEW.archived_at)");
        conflictAndNothingWritten(
                "build logs were archived by another writer at the same time; try again",
                () -> deployments.archiveOldLogs(system, 10));
    }
}
