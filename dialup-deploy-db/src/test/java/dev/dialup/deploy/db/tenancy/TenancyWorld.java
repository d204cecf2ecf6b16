package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_INVITATIONS;
import static dev.dialup.deploy.db.generated.Tables.SITE_DOMAINS;
import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.testing.Fixtures;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;

/**
 * The shared cast of the tenancy tests. Organization A (active) has an owner, an admin, a
 * member and a colleague (target of member operations) and site {@code orgSite}; organization
 * B is deactivated, with {@code deadOrgMember} as its admin and site {@code deadOrgSite};
 * {@code personalOwner} owns {@code personalSite}; the deactivated user was A's admin and owns
 * a personal site of their own. Every actor's password is {@link #PASSWORD}.
 */
public final class TenancyWorld {
    public static final String PASSWORD = "correct horse battery";

    public enum Actor {
        STRANGER, ORG_MEMBER, ORG_ADMIN, ORG_OWNER, PERSONAL_OWNER, SYSTEM_ADMIN, DEACTIVATED_USER, DEACTIVATED_ORG_MEMBER, SYSTEM
    }

    public final DialupDatabase db;
    public final Map<Actor, Long> userIds = new EnumMap<>(Actor.class);
    public final Map<Actor, AccessScope> scopes = new EnumMap<>(Actor.class);
    public final long colleague, outsider, deadOrgOwner;
    public final long orgA, orgB;
    public final long orgSite, personalSite, deadOrgSite, deactivatedUsersSite;
    public final long orgDomainPrimary, orgDomainOther, personalDomain;
    /** A pending invitation from org A to the stranger (username "stranger"), valid for a week. */
    public final long strangerInvitation;

    /** The database's system scope ({@code system:matrix-test}). */
    public final AccessScope systemScope;

    public TenancyWorld(DialupDatabase db) {
        this.db = db;
        this.systemScope = db.systemScope("matrix-test");
        // Cheap hashes keep the suite fast; the policy is read from system_config like in production.
        setConfig(db, ConfigKeys.BCRYPT_COST, "4");
        Fixtures f = new Fixtures(db);
        long owner = f.user("owner");
        long admin = f.user("orgadmin");
        long member = f.user("member");
        long personal = f.user("personal");
        long stranger = f.user("stranger");
        long sysadmin = f.admin("sysadmin");
        long deactivated = f.user("deactivated");
        long deadMember = f.user("deadmember");
        colleague = f.user("colleague");
        outsider = f.user("outsider");
        deadOrgOwner = f.user("deadowner");
        orgA = f.org("Org A", owner);
        f.member(orgA, admin, OrgRole.ADMIN);
        f.member(orgA, member, OrgRole.MEMBER);
        f.member(orgA, colleague, OrgRole.MEMBER);
        f.member(orgA, deactivated, OrgRole.ADMIN);
        orgB = f.org("Org B", deadOrgOwner);
        f.member(orgB, deadMember, OrgRole.ADMIN);
        orgSite = f.orgSite("Org Site", orgA);
        personalSite = f.personalSite("Personal Site", personal);
        deadOrgSite = f.orgSite("Dead Org Site", orgB);
        deactivatedUsersSite = f.personalSite("Deactivated Site", deactivated);
        f.deactivateOrg(orgB);
        f.deactivateUser(deactivated);
        orgDomainPrimary = domain(orgSite, "www.org-a.test", true);
        orgDomainOther = domain(orgSite, "org-a.test", false);
        personalDomain = domain(personalSite, "personal.test", true);
        Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        strangerInvitation = db.write(tx -> tx.insertInto(ORGANIZATION_INVITATIONS)
                .set(ORGANIZATION_INVITATIONS.ORGANIZATION_ID, orgA).set(ORGANIZATION_INVITATIONS.INVITEE, "stranger")
                .set(ORGANIZATION_INVITATIONS.ROLE, "member").set(ORGANIZATION_INVITATIONS.INVITER_ID, owner)
                .set(ORGANIZATION_INVITATIONS.CREATED_AT, created).set(ORGANIZATION_INVITATIONS.EXPIRES_AT, created.plus(7, ChronoUnit.DAYS))
                .returning(ORGANIZATION_INVITATIONS.ID).fetchOne().getId());
        // Audit history: one recent and one expired row per organization, one expired global row.
        Instant old = Instant.now().minus(800, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
        auditRow("seed.recent", orgA, Instant.now().truncatedTo(ChronoUnit.MILLIS));
        auditRow("seed.old", orgA, old);
        auditRow("seed.recent", orgB, Instant.now().truncatedTo(ChronoUnit.MILLIS));
        auditRow("seed.old", null, old);

        userIds.put(Actor.STRANGER, stranger);
        userIds.put(Actor.ORG_MEMBER, member);
        userIds.put(Actor.ORG_ADMIN, admin);
        userIds.put(Actor.ORG_OWNER, owner);
        userIds.put(Actor.PERSONAL_OWNER, personal);
        userIds.put(Actor.SYSTEM_ADMIN, sysadmin);
        userIds.put(Actor.DEACTIVATED_USER, deactivated);
        userIds.put(Actor.DEACTIVATED_ORG_MEMBER, deadMember);
        UserRepository users = new UserRepository(db);
        for (long id : userIds.values()) {
            users.setPassword(systemScope, id, PASSWORD);
        }
        AccessScopes scopesFactory = new AccessScopes(db);
        userIds.forEach((actor, id) -> scopes.put(actor, scopesFactory.forUser(id)));
        scopes.put(Actor.SYSTEM, systemScope);
    }

    public long id(Actor actor) {
        return userIds.get(actor);
    }

    public static void setConfig(DialupDatabase db, String key, String value) {
        db.writeVoid(tx -> tx.insertInto(SYSTEM_CONFIG).set(SYSTEM_CONFIG.KEY, key).set(SYSTEM_CONFIG.VALUE, value)
                .onConflict(SYSTEM_CONFIG.KEY).doUpdate().set(SYSTEM_CONFIG.VALUE, value).execute());
    }

    private long domain(long siteId, String name, boolean primary) {
        return db.write(tx -> tx.insertInto(SITE_DOMAINS).set(SITE_DOMAINS.SITE_ID, siteId).set(SITE_DOMAINS.DOMAIN, name)
                .set(SITE_DOMAINS.IS_PRIMARY, primary).returning(SITE_DOMAINS.ID).fetchOne().getId());
    }

    private void auditRow(String action, Long org, Instant at) {
        db.writeVoid(tx -> tx.insertInto(AUDIT_LOG).set(AUDIT_LOG.ACTOR_LABEL, "system:seed").set(AUDIT_LOG.ACTION, action)
                .set(AUDIT_LOG.TARGET_TYPE, "seed").set(AUDIT_LOG.ORGANIZATION_ID, org).set(AUDIT_LOG.CREATED_AT, at).execute());
    }
}
