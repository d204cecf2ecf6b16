package dev.dialup.deploy.db.sites;

/**
 * What {@link SiteRepository#create} needs. {@code organizationId} null creates a personal
 * site owned by the caller; {@code slug} null derives one from the name.
 */
public record NewSite(String name, String slug, SiteType type, Long organizationId, SiteConfig config) {

    public static NewSite personal(String name, SiteType type) {
        return new NewSite(name, null, type, null, SiteConfig.defaults());
    }

    public static NewSite forOrganization(long organizationId, String name, SiteType type) {
        return new NewSite(name, null, type, organizationId, SiteConfig.defaults());
    }
}
