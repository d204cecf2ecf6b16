package dev.dialup.deploy.db.testing;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;

/**
 * Arranges rows directly (no repository, no audit) so a test can set up the world it needs
 * before exercising the code under test. Never use it for the action being tested.
 */
public final class Fixtures {
    private final DialupDatabase db;

    public Fixtures(DialupDatabase db) {
        this.db = db;
    }

    public long user(String username) {
        return user(username, false);
    }

    public long admin(String username) {
        return user(username, true);
    }

    private long user(String username, boolean admin) {
        return TestDb.write(
                db,
                tx -> tx.insertInto(USERS)
                        .set(USERS.USERNAME, username)
                        .set(USERS.EMAIL, username + "@example.test")
                        .set(USERS.PASSWORD_HASH, "!fixture")
                        .set(USERS.IS_ADMIN, admin)
                        .returning(USERS.ID)
                        .fetchOne()
                        .getId());
    }

    public void deactivateUser(long userId) {
        TestDb.writeVoid(
                db,
                tx -> tx.update(USERS)
                        .set(USERS.IS_ACTIVE, false)
                        .where(USERS.ID.eq(userId))
                        .execute());
    }

    /** An organization; the owner becomes its 'owner' member (schema trigger). */
    public long org(String name, long ownerId) {
        return TestDb.write(
                db,
                tx -> tx.insertInto(ORGANIZATIONS)
                        .set(ORGANIZATIONS.NAME, name)
                        .set(ORGANIZATIONS.SLUG, name.toLowerCase().replaceAll("[^a-z0-9]+", "-"))
                        .set(ORGANIZATIONS.OWNER_ID, ownerId)
                        .returning(ORGANIZATIONS.ID)
                        .fetchOne()
                        .getId());
    }

    public void member(long orgId, long userId, OrgRole role) {
        TestDb.writeVoid(
                db,
                tx -> tx.insertInto(ORGANIZATION_MEMBERS)
                        .set(ORGANIZATION_MEMBERS.ORGANIZATION_ID, orgId)
                        .set(ORGANIZATION_MEMBERS.USER_ID, userId)
                        .set(ORGANIZATION_MEMBERS.ROLE, role.dbValue())
                        .execute());
    }

    public void deactivateOrg(long orgId) {
        TestDb.writeVoid(
                db,
                tx -> tx.update(ORGANIZATIONS)
                        .set(ORGANIZATIONS.IS_ACTIVE, false)
                        .where(ORGANIZATIONS.ID.eq(orgId))
                        .execute());
    }

    /** A site owned by a user; its default limits row is created by a schema trigger. */
    public long personalSite(String name, long ownerId) {
        return site(name, ownerId, null);
    }

    public long orgSite(String name, long orgId) {
        return site(name, null, orgId);
    }

    private long site(String name, Long ownerId, Long orgId) {
        return TestDb.write(
                db,
                tx -> tx.insertInto(SITES)
                        .set(SITES.NAME, name)
                        .set(SITES.SLUG, name.toLowerCase().replaceAll("[^a-z0-9]+", "-"))
                        .set(SITES.OWNER_ID, ownerId)
                        .set(SITES.ORGANIZATION_ID, orgId)
                        .set(SITES.SITE_TYPE, "dynamic")
                        .returning(SITES.ID)
                        .fetchOne()
                        .getId());
    }
}
