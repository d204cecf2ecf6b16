package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.engine.JdbcUrls;
import dev.dialup.deploy.db.ops.PgRestore;
import dev.dialup.deploy.db.ops.RestoreService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = {
            "Replace the database with a backup. The backup is verified first (manifest SHA-256,"
                    + " integrity_check, a schema version this CLI knows); the current file is kept as"
                    + " <db>.before-restore-<time>.",
            "Stop every service using the database first. A backup at an older schema version is migrated"
                    + " on the next open (after its own pre-migration backup).",
            "With --db jdbc:postgresql://...: a backup written by 'backup' from PostgreSQL, verified (manifest,"
                    + " pg_restore --list, row counts) and restored with pg_restore in one transaction into an EMPTY"
                    + " database (create a new one; a database that holds tables is refused)."
        })
final class RestoreCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @Parameters(
            index = "0",
            paramLabel = "BACKUP",
            description = "The backup file (its .manifest.json must sit beside it).")
    Path backup;

    @Option(
            names = "--force",
            description = "Restore a file that has no manifest (integrity and schema are still checked).")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Optional<String> url = options.postgres() ? Optional.of(options.location()) : Optional.empty();
        if (url.isPresent()) {
            return postgres(url.get());
        }
        ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), null);
        RestoreService.RestoreResult r;
        try {
            r = new RestoreService(Clock.systemUTC(), bar).restore(backup, options.path(), force);
        } finally {
            bar.finish();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database", r.restored().toString());
            json.put("restoredFrom", r.backup().toString());
            json.put(
                    "previousFile",
                    r.previousFile() == null ? null : r.previousFile().toString());
            json.put("schemaVersion", Json.version(r.schemaVersion()));
            json.put("rowCounts", Json.rowCounts(r.rowCounts()));
            out.println(Json.of(json));
        } else {
            out.printf("Restored:       %s%n", r.restored());
            out.printf("From backup:    %s (verified)%n", r.backup());
            out.printf("Previous file:  %s%n", r.previousFile() == null ? "(none)" : r.previousFile());
            out.printf("Schema version: %s%n", r.schemaVersion());
            out.println("Rows per table:");
            Json.rowCounts(r.rowCounts()).forEach((t, n) -> out.printf("  %-28s %,d%n", t, n));
        }
        return DialupCli.EXIT_OK;
    }

    private int postgres(String url) {
        ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), null);
        PgRestore.Result r;
        try {
            r = new PgRestore(bar).restore(backup, url, force);
        } finally {
            bar.finish();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database", JdbcUrls.redact(url));
            json.put("targetDatabase", r.targetDatabase());
            json.put("restoredFrom", r.backup().toString());
            json.put("previousFile", null);
            json.put("schemaVersion", Json.version(r.schemaVersion()));
            json.put("rowCounts", Json.rowCounts(r.rowCounts()));
            out.println(Json.of(json));
        } else {
            out.printf("Restored:       %s (database %s)%n", JdbcUrls.redact(url), r.targetDatabase());
            out.printf("From backup:    %s (verified)%n", r.backup());
            out.printf("Schema version: %s%n", r.schemaVersion());
            out.println("Rows per table:");
            Json.rowCounts(r.rowCounts()).forEach((t, n) -> out.printf("  %-28s %,d%n", t, n));
        }
        return DialupCli.EXIT_OK;
    }
}
