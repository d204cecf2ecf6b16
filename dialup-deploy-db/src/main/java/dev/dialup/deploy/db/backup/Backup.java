package dev.dialup.deploy.db.backup;

import java.nio.file.Path;

/** A backup file on disk and its manifest. */
public record Backup(Path file, Path manifestFile, BackupManifest manifest) {}
