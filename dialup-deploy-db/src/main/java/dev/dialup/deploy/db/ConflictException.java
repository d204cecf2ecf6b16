package dev.dialup.deploy.db;

/**
 * The input is valid and the caller may do this, but the data as it is now does not allow it;
 * nothing was written. Three kinds:
 * <ul>
 *   <li>a value that must be unique is taken (name, slug, domain, username, membership, pending
 *       invitation, process id, ...). The schema's UNIQUE constraints decide this, whatever a
 *       look-up before the write said ({@code UniqueConstraints.conflictOn});</li>
 *   <li>the resource's state forbids the change (a deactivated organization invites nobody, the
 *       last system admin cannot be demoted, logs are appended only while building); the
 *       deployment state machine raises the subclass
 *       {@code dev.dialup.deploy.db.deploy.IllegalTransitionException};</li>
 *   <li>a concurrent change won (a password changed between read and write).</li>
 * </ul>
 * Services map it to HTTP 409 Conflict (docs/guide.md, "The error model"). Retrying the same
 * call gives the same answer until the data changes.
 */
public class ConflictException extends DialupDataException {
    public ConflictException(String message) {
        super(message);
    }
}
