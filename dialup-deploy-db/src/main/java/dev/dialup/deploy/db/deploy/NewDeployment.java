package dev.dialup.deploy.db.deploy;

/** What a caller supplies to queue a deployment; every field optional (null). */
public record NewDeployment(String commitHash, String commitMessage, String branch) {}
