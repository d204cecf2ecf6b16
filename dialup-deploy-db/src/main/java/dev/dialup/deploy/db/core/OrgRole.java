package dev.dialup.deploy.db.core;

import java.util.Locale;

/** A member's role in an organization; stored lower-case in {@code organization_members.role}. */
public enum OrgRole {
    OWNER,
    ADMIN,
    MEMBER;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OrgRole fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** Owners and admins manage the organization's sites and members. */
    public boolean canManage() {
        return this == OWNER || this == ADMIN;
    }
}
