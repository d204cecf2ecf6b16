package dev.dialup.deploy.db.integration;

import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.admin.AdminPanelRepository;
import dev.dialup.deploy.db.admin.OrganizationSummary;
import dev.dialup.deploy.db.admin.UserSummary;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.tenancy.User;
import dev.dialup.deploy.db.tenancy.UserRepository;

/** {@link UserManagement} over the tenancy repositories; it adds no rules of its own. */
public final class UserManagementService implements UserManagement {
    private final UserRepository users;
    private final AdminPanelRepository panel;

    public UserManagementService(UserRepository users, AdminPanelRepository panel) {
        this.users = users;
        this.panel = panel;
    }

    public UserManagementService(DialupDatabase db) {
        this(new UserRepository(db), new AdminPanelRepository(db));
    }

    @Override
    public Page<UserSummary> listUsers(AccessScope admin, PageCursor after, int limit) {
        return panel.users(admin, after, limit);
    }

    @Override
    public Page<OrganizationSummary> listOrganizations(AccessScope admin, PageCursor after, int limit) {
        return panel.organizations(admin, after, limit);
    }

    @Override
    public User user(AccessScope admin, long userId) {
        return users.find(admin, userId);
    }

    @Override
    public User deactivate(AccessScope admin, long userId) {
        return users.deactivate(admin, userId);
    }

    @Override
    public User reactivate(AccessScope admin, long userId) {
        return users.reactivate(admin, userId);
    }

    @Override
    public User setSystemAdmin(AccessScope admin, long userId, boolean systemAdmin) {
        return users.setSystemAdmin(admin, userId, systemAdmin);
    }

    @Override
    public void resetPassword(AccessScope admin, long userId, String newPassword) {
        users.setPassword(admin, userId, newPassword);
    }
}
