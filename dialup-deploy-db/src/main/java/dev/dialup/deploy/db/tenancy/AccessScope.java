package dev.dialup.deploy.db.tenancy;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who is asking. The only way into tenant data: every repository method that reads or
 * writes tenant data takes one. Built by {@link AccessScopes} from an authenticated user id
 * (loading the user's active flag, admin flag and roles in <em>active</em> organizations),
 * or as the named {@linkplain #system(String) system scope} for platform components.
 * Instances cannot be forged from outside this package.
 */
public final class AccessScope {
    private final Long userId;
    private final String systemComponent;
    private final boolean active;
    private final boolean admin;
    private final Map<Long, OrgRole> roles;

    private AccessScope(Long userId, String systemComponent, boolean active, boolean admin, Map<Long, OrgRole> roles) {
        this.userId = userId;
        this.systemComponent = systemComponent;
        this.active = active;
        this.admin = admin;
        this.roles = Map.copyOf(roles);
    }

    static AccessScope user(long userId, boolean active, boolean admin, Map<Long, OrgRole> roles) {
        // A deactivated user is granted nothing: no admin power, no organization roles.
        return active ? new AccessScope(userId, null, true, admin, roles) : new AccessScope(userId, null, false, false, Map.of());
    }

    /**
     * The scope of a platform component (the monitoring core, the container orchestrator,
     * the scheduler): sees and manages everything. Name the component; it is recorded as the
     * actor in audit rows.
     */
    public static AccessScope system(String component) {
        Objects.requireNonNull(component, "component");
        if (component.isBlank()) throw new IllegalArgumentException("system scope needs a component name");
        return new AccessScope(null, component, true, true, Map.of());
    }

    public boolean isSystem() {
        return systemComponent != null;
    }

    /** The user behind this scope; empty for the system scope. */
    public Optional<Long> userId() {
        return Optional.ofNullable(userId);
    }

    /** True when the scope may act at all (system, or an active user). */
    public boolean isActive() {
        return active;
    }

    /** System admins and the system scope. A deactivated admin is not one. */
    public boolean isAdmin() {
        return admin;
    }

    /** Role in an active organization, if any. */
    public Optional<OrgRole> roleIn(long organizationId) {
        return Optional.ofNullable(roles.get(organizationId));
    }

    /** Active organizations this user belongs to. */
    public Set<Long> organizations() {
        return roles.keySet();
    }

    /** Active organizations where this user is owner or admin. */
    public Set<Long> managedOrganizations() {
        return roles.entrySet().stream().filter(e -> e.getValue().canManage()).map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** What audit rows record as the actor. */
    public String label() {
        return isSystem() ? "system:" + systemComponent : "user:" + userId;
    }

    @Override
    public String toString() {
        return "AccessScope[" + label() + (admin && !isSystem() ? ", admin" : "") + (active ? "" : ", inactive") + ", orgs=" + roles + "]";
    }
}
