package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.SchemaStatus;
import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "Show schema version, pending migrations, row counts, and file and WAL sizes. Changes nothing.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        // Opens without migrating: info reports, it never changes the schema.
        try (DialupDatabase db = options.existingBuilder().migrateOnOpen(false).build()) {
            SchemaStatus status = db.status();
            Map<String, Long> counts = Json.rowCounts(db.rowCounts());
            if (db.path() == null) {
                return serverInfo(db, status, counts, out);
            }
            long size = Files.size(db.path());
            Path wal = db.path().resolveSibling(db.path().getFileName() + "-wal");
            long walSize = Files.exists(wal) ? Files.size(wal) : 0;
            // Monitoring wants the age of the newest backup next to the sizes.
            List<Backup> backups = BackupService.besideDatabase(db.path()).list();
            Backup latest = backups.isEmpty() ? null : backups.get(0);
            if (options.json()) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("database", db.path().toString());
                json.put("engine", db.engineName());
                json.put("schemaVersion", Json.version(status.currentVersion()));
                json.put("latestVersion", Json.version(status.latestVersion()));
                json.put("pendingMigrations", status.pending());
                json.put("fileBytes", size);
                json.put("walBytes", walSize);
                json.put("rowCounts", counts);
                json.put(
                        "backupDirectory",
                        BackupService.defaultDirectory(db.path()).toString());
                json.put("backups", backups.size());
                json.put("latestBackup", latest == null ? null : latest.file().toString());
                json.put(
                        "latestBackupAt",
                        latest == null ? null : latest.manifest().createdAt().toString());
                out.println(Json.of(json));
            } else {
                out.printf("Database:           %s%n", db.path());
                out.printf("Engine:             %s%n", db.engineName());
                out.printf(
                        "Schema version:     %s (library knows up to %s)%n",
                        status.currentVersion(), status.latestVersion());
                out.printf(
                        "Pending migrations: %s%n",
                        status.pending().isEmpty() ? "none" : String.join(", ", status.pending()));
                out.printf("File size:          %,d bytes%n", size);
                out.printf("WAL size:           %,d bytes%n", walSize);
                out.printf(
                        "Latest backup:      %s%n",
                        latest == null
                                ? "none in " + BackupService.defaultDirectory(db.path())
                                : latest.file() + " (" + latest.manifest().createdAt() + ", " + backups.size()
                                        + " kept)");
                out.println("Rows per table:");
                counts.forEach((t, n) -> out.printf("  %-28s %,d%n", t, n));
            }
            return DialupCli.EXIT_OK;
        }
    }

    /** A PostgreSQL database: no file, WAL or backup directory of ours; the server's own tools cover those. */
    private Integer serverInfo(DialupDatabase db, SchemaStatus status, Map<String, Long> counts, PrintWriter out) {
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database", db.location());
            json.put("engine", db.engineName());
            json.put("schemaVersion", Json.version(status.currentVersion()));
            json.put("latestVersion", Json.version(status.latestVersion()));
            json.put("pendingMigrations", status.pending());
            json.put("rowCounts", counts);
            out.println(Json.of(json));
        } else {
            out.printf("Database:           %s%n", db.location());
            out.printf("Engine:             %s%n", db.engineName());
            out.printf(
                    "Schema version:     %s (library knows up to %s)%n",
                    status.currentVersion(), status.latestVersion());
            out.printf(
                    "Pending migrations: %s%n",
                    status.pending().isEmpty() ? "none" : String.join(", ", status.pending()));
            out.println("Backups:            pg_dump / PITR (docs/OPERATIONS.md, PostgreSQL)");
            out.println("Rows per table:");
            counts.forEach((t, n) -> out.printf("  %-28s %,d%n", t, n));
        }
        return DialupCli.EXIT_OK;
    }
}
