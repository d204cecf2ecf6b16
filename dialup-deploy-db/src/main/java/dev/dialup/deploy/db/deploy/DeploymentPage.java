package dev.dialup.deploy.db.deploy;

import java.util.List;

/** One page of a site's deployment history, newest first; pass {@code nextBeforeId} for the next page (null: last page). */
public record DeploymentPage(List<Deployment> items, Long nextBeforeId) {}
