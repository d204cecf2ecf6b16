package dev.dialup.deploy.db.sites;

/**
 * The editable configuration of a site. {@link SiteRepository#update} replaces all of it:
 * start from {@code site.config()} and change what you need with the {@code with…} methods.
 * Null clears an optional field ({@code branch} null means the default 'main').
 */
public record SiteConfig(
        String description,
        String repositoryUrl,
        String branch,
        String buildCommand,
        String startCommand,
        Integer port,
        String domain,
        String subdomain,
        boolean active) {

    public static SiteConfig defaults() {
        return new SiteConfig(null, null, "main", null, null, null, null, null, true);
    }

    public SiteConfig withDescription(String v) {
        return new SiteConfig(v, repositoryUrl, branch, buildCommand, startCommand, port, domain, subdomain, active);
    }

    public SiteConfig withRepository(String url, String branchName) {
        return new SiteConfig(
                description, url, branchName, buildCommand, startCommand, port, domain, subdomain, active);
    }

    public SiteConfig withCommands(String build, String start) {
        return new SiteConfig(description, repositoryUrl, branch, build, start, port, domain, subdomain, active);
    }

    public SiteConfig withPort(Integer v) {
        return new SiteConfig(
                description, repositoryUrl, branch, buildCommand, startCommand, v, domain, subdomain, active);
    }

    public SiteConfig withDomain(String domainName, String sub) {
        return new SiteConfig(
                description, repositoryUrl, branch, buildCommand, startCommand, port, domainName, sub, active);
    }

    public SiteConfig withActive(boolean v) {
        return new SiteConfig(
                description, repositoryUrl, branch, buildCommand, startCommand, port, domain, subdomain, v);
    }
}
