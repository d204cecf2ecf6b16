package dev.dialup.deploy.db.core;

import dev.dialup.deploy.db.ValidationException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * <em>Who</em> is asking — never <em>what they may do</em>. The only way into tenant data:
 * every repository method that reads or writes tenant data takes one.
 *
 * <h2>Two kinds</h2>
 * <ul>
 *   <li>A <b>user scope</b> ({@link AccessScopes#forUser}) carries nothing but the user id.
 *       Building one proves nothing: authenticating the user is the calling service's job
 *       (e.g. with {@code UserRepository.authenticate}).</li>
 *   <li>The <b>system scope</b> of a platform component (monitoring, orchestrator, scheduler,
 *       CLI) is a capability: only {@link DialupDatabase#systemScope(String)} creates it, only
 *       on a database whose builder opted in with {@link DialupDatabase.Builder#allowSystemScope()},
 *       and it is accepted only by <em>that</em> database instance (a system scope from another
 *       {@code DialupDatabase} is refused with {@code AccessDeniedException}). Whoever holds such a
 *       {@code DialupDatabase} object can mint one: hand less trusted code repositories or user
 *       scopes, not the database. The component label is validated ({@link #COMPONENT}) and recorded
 *       as {@code system:<label>} in {@code audit_log.actor_label}.</li>
 * </ul>
 *
 * <h2>Lifetime: a scope never goes stale</h2>
 * A scope holds no permissions, so there is nothing to go stale. Every decision
 * ({@code TenantFilter}) reads the caller's <em>current</em> user row ({@code is_active},
 * {@code is_admin}) and memberships in <em>active</em> organizations inside the same
 * transaction — the same SQLite snapshot — as the work it guards: a user deactivated, demoted
 * or removed from an organization one statement ago is refused by the next call made with a
 * scope built before the change, and a user added to an organization (or who just created
 * one) can act on it at once with the scope they already hold. Services may therefore keep a
 * scope for a whole session; it costs one indexed look-up per decision (docs/PERFORMANCE.md).
 * docs/tenancy.md is the table of rules.
 */
public final class AccessScope {
    /** Allowed component labels: 1–48 of ASCII letters, digits, {@code . _ : -}, starting with a letter or digit. */
    public static final Pattern COMPONENT = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._:-]{0,47}$");

    private final Long userId;
    private final String systemComponent;
    private final DialupDatabase.SystemGrant grant;

    private AccessScope(Long userId, String systemComponent, DialupDatabase.SystemGrant grant) {
        this.userId = userId;
        this.systemComponent = systemComponent;
        this.grant = grant;
    }

    static AccessScope user(long userId) {
        return new AccessScope(userId, null, null);
    }

    /**
     * Used by {@link DialupDatabase#systemScope(String)}; a {@link DialupDatabase.SystemGrant}
     * exists only inside a database opened with {@code allowSystemScope()} and is never handed out.
     *
     * @throws ValidationException if the label is not a valid component label
     */
    public static AccessScope system(DialupDatabase.SystemGrant grant, String component) {
        Objects.requireNonNull(grant, "grant");
        return new AccessScope(null, validComponent(component), grant);
    }

    /** The label if valid ({@link #COMPONENT}); {@link ValidationException} otherwise (no control, bidi or format characters, no spaces). */
    public static String validComponent(String component) {
        if (component == null || !COMPONENT.matcher(component).matches()) {
            throw new ValidationException(
                    "component",
                    "must be 1 to 48 of A-Z, a-z, 0-9, '.', '_', ':' and '-', starting with a letter or digit");
        }
        return component;
    }

    /** True for a system scope (whether or not the database at hand accepts it). */
    public boolean isSystem() {
        return systemComponent != null;
    }

    /** True when this is a system scope minted by {@code database}. */
    public boolean isSystemOf(DialupDatabase database) {
        return grant != null && database != null && grant.database() == database;
    }

    /** The user behind this scope; empty for the system scope. */
    public Optional<Long> userId() {
        return Optional.ofNullable(userId);
    }

    /** What audit rows record as the actor: {@code user:<id>} or {@code system:<component>}. */
    public String label() {
        return isSystem() ? "system:" + systemComponent : "user:" + userId;
    }

    @Override
    public String toString() {
        return "AccessScope[" + label() + "]";
    }
}
