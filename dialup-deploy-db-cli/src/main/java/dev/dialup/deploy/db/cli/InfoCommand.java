package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.SchemaStatus;
import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database", db.location());
            json.put("engine", db.engineName());
            json.put("schemaVersion", Json.version(status.currentVersion()));
            json.put("latestVersion", Json.version(status.latestVersion()));
            json.put("pendingMigrations", status.pending());
            List<String> lines = new ArrayList<>();
            if (db.path() != null) {
                fileFacts(db.path(), json, lines);
            } else {
                // A PostgreSQL database: no file, WAL or backup directory of ours; the server's tools cover those.
                lines.add("Backups:            pg_dump / PITR (docs/OPERATIONS.md, PostgreSQL)");
            }
            json.put("rowCounts", counts);
            if (options.json()) {
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
                lines.forEach(out::println);
                out.println("Rows per table:");
                counts.forEach((t, n) -> out.printf("  %-28s %,d%n", t, n));
            }
            return DialupCli.EXIT_OK;
        }
    }

    /** File and WAL sizes and the newest backup beside the file (monitoring wants its age next to the sizes). */
    private static void fileFacts(Path file, Map<String, Object> json, List<String> lines) throws IOException {
        long size = Files.size(file);
        Path wal = file.resolveSibling(file.getFileName() + "-wal");
        long walSize = Files.exists(wal) ? Files.size(wal) : 0;
        List<Backup> backups = BackupService.besideDatabase(file).list();
        Backup latest = backups.isEmpty() ? null : backups.get(0);
        json.put("fileBytes", size);
        json.put("walBytes", walSize);
        json.put("backupDirectory", BackupService.defaultDirectory(file).toString());
        json.put("backups", backups.size());
        json.put("latestBackup", latest == null ? null : latest.file().toString());
        json.put(
                "latestBackupAt",
                latest == null ? null : latest.manifest().createdAt().toString());
        lines.add(String.format("File size:          %,d bytes", size));
        lines.add(String.format("WAL size:           %,d bytes", walSize));
        lines.add(String.format(
                "Latest backup:      %s",
                latest == null
                        ? "none in " + BackupService.defaultDirectory(file)
                        : latest.file() + " (" + latest.manifest().createdAt() + ", " + backups.size() + " kept)"));
    }
}
