package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.backup.Backup;
import dev.dialup.deploy.db.backup.BackupService;
import dev.dialup.deploy.db.backup.PgDumpBackup;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "backup",
        mixinStandardHelpOptions = true,
        description = {
            "Take an online backup: a consistent snapshot (VACUUM INTO) written atomically, fsynced, checked"
                    + " with integrity_check, with a manifest (schema version, row counts, SHA-256) beside it.",
            "Safe while services write to the database. Keeps the newest --keep backups and deletes older ones.",
            "With --db jdbc:postgresql://...: pg_dump --format=custom of one snapshot (pg_dump of the server's major"
                    + " version or newer, from $DIALUP_PG_BIN or the PATH), verified with pg_restore, with the same"
                    + " manifest; refused, naming the standard procedure, when no such pg_dump is found."
        })
final class BackupCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Backup directory (default: backups/ beside the database, i.e. ./data/backups/;"
                    + " ./data/backups/ for a PostgreSQL URL).")
    Path dir;

    @Option(
            names = "--keep",
            paramLabel = "N",
            defaultValue = "" + BackupService.DEFAULT_KEEP,
            description = "How many backups to keep (default: ${DEFAULT-VALUE}).")
    int keep;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (keep < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--keep must be at least 1");
        }
        Optional<String> url = options.postgres() ? Optional.of(options.location()) : Optional.empty();
        Path target = dir != null
                ? dir
                : BackupService.defaultDirectory(url.isPresent() ? DialupDatabase.DEFAULT_PATH : options.path());
        ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), null);
        Backup backup;
        try {
            backup = url.isPresent()
                    ? new PgDumpBackup(target, keep).withProgress(bar).backup(url.get())
                    : new BackupService(target, keep).withProgress(bar).backup(options.path());
        } finally {
            bar.finish();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("backup", backup.file().toString());
            json.put("manifest", backup.manifestFile().toString());
            json.put("schemaVersion", Json.version(backup.manifest().schemaVersion()));
            json.put("bytes", backup.manifest().bytes());
            json.put("sha256", backup.manifest().sha256());
            json.put("rowCounts", Json.rowCounts(backup.manifest().rowCounts()));
            out.println(Json.of(json));
        } else {
            out.printf("Backup:         %s%n", backup.file());
            out.printf("Manifest:       %s%n", backup.manifestFile());
            out.printf("Schema version: %s%n", backup.manifest().schemaVersion());
            out.printf(
                    "Size:           %,d bytes, SHA-256 %s%n",
                    backup.manifest().bytes(), backup.manifest().sha256());
            out.printf(
                    "%s ok; keeping the newest %d backups in %s%n",
                    url.isPresent() ? "Verified:      " : "Integrity:     ", keep, target.toAbsolutePath());
        }
        return DialupCli.EXIT_OK;
    }
}
