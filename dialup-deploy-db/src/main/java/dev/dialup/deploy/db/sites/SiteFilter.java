package dev.dialup.deploy.db.sites;

/** Optional filters for {@link SiteRepository#list}; null means "any". */
public record SiteFilter(Long organizationId, SiteType type, Boolean active, String nameContains) {
    public static final SiteFilter ALL = new SiteFilter(null, null, null, null);

    public SiteFilter withOrganization(Long v) {
        return new SiteFilter(v, type, active, nameContains);
    }

    public SiteFilter withType(SiteType v) {
        return new SiteFilter(organizationId, v, active, nameContains);
    }

    public SiteFilter withActive(Boolean v) {
        return new SiteFilter(organizationId, type, v, nameContains);
    }

    public SiteFilter withNameContaining(String v) {
        return new SiteFilter(organizationId, type, active, v);
    }
}
