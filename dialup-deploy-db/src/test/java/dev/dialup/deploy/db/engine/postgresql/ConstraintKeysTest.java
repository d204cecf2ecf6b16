package dev.dialup.deploy.db.engine.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** PostgreSQL index definitions turned into the key text SQLite reports for the same violation. */
class ConstraintKeysTest {
    @Test
    void plainColumnsAndPrimaryKeysAreTableDotColumn() {
        assertThat(ConstraintKeys.key("users_email_key", "users", "email")).isEqualTo("users.email");
        assertThat(ConstraintKeys.key("processes_pkey", "processes", "id")).isEqualTo("processes.id");
        assertThat(ConstraintKeys.key(
                        "uq_organization_invitations_pending", "organization_invitations", "organization_id\ninvitee"))
                .isEqualTo("organization_invitations.organization_id, organization_invitations.invitee");
    }

    @Test
    void lowerOfAColumnIsThatColumnLikeSqliteNocase() {
        assertThat(ConstraintKeys.key("ux_site_domains_domain_nocase", "site_domains", "lower(domain)"))
                .isEqualTo("site_domains.domain");
        assertThat(ConstraintKeys.key("ux_x", "t", "lower((\"Name\")::text)")).isEqualTo("t.Name");
    }

    @Test
    void anyOtherExpressionNamesTheIndex() {
        assertThat(ConstraintKeys.key("ux_expr", "t", "(a || b)")).isEqualTo("index 'ux_expr'");
        assertThat(ConstraintKeys.key("ux_mixed", "t", "a\nupper(b)")).isEqualTo("index 'ux_mixed'");
        assertThat(ConstraintKeys.key("ux_none", "t", null)).isEqualTo("index 'ux_none'");
    }
}
