package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.engine.JdbcUrls;
import dev.dialup.deploy.db.ops.MoveToPostgres;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "move-to-postgres",
        mixinStandardHelpOptions = true,
        description = {
            "Copy the SQLite installation (--db) into an empty PostgreSQL database (--to) that 'migrate' has just"
                    + " prepared at the same schema version: every table in foreign-key order, ids and times kept,"
                    + " secrets as their ciphertext (no keyset needed), sequences set past the copied ids, all in one"
                    + " PostgreSQL transaction.",
            "Then verify: row counts and a SHA-256 over every table's rows, on both sides, before committing."
                    + " Refuses a target that holds data, a schema version mismatch, or a source that is not up to date.",
            "Stop every service writing to the file first; see docs/OPERATIONS.md, \"Moving an installation to"
                    + " PostgreSQL\". Credentials: in the URL, PGUSER/PGPASSWORD, or ~/.pgpass (never printed)."
        })
final class MoveToPostgresCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "JDBC_URL",
            description = "The target: jdbc:postgresql://host:port/database[?sslmode=...] (connect as the owner role"
                    + " that ran 'migrate').")
    String to;

    @Option(
            names = "--verify-only",
            description = "Copy nothing: compare the file with the target (row counts and checksums) and report.")
    boolean verifyOnly;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!JdbcUrls.isPostgres(to)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--to must be a jdbc:postgresql://host:port/database URL");
        }
        Path source = options.existingPath();
        ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), "rows");
        MoveToPostgres.Result r;
        try {
            MoveToPostgres move = new MoveToPostgres(bar);
            r = verifyOnly
                    ? move.verify(source, JdbcUrls.postgresDataSource(to))
                    : move.move(source, JdbcUrls.postgresDataSource(to));
        } finally {
            bar.finish();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("source", r.source().toString());
            json.put("target", JdbcUrls.redact(to));
            json.put("targetDatabase", r.targetDatabase());
            json.put("moved", !verifyOnly);
            json.put("schemaVersion", Json.version(r.schemaVersion()));
            json.put("verified", r.verified());
            json.put("rows", r.rows());
            List<Object> tables = new ArrayList<>();
            for (MoveToPostgres.TableCheck t : r.tables()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("table", t.table());
                m.put("sourceRows", t.sourceRows());
                m.put("targetRows", t.targetRows());
                m.put("sourceSha256", t.sourceSha256());
                m.put("targetSha256", t.targetSha256());
                m.put("matches", t.matches());
                tables.add(m);
            }
            json.put("tables", tables);
            json.put("nextIds", r.nextIds());
            out.println(Json.of(json));
        } else {
            out.printf("%s %s%n", verifyOnly ? "Compared:      " : "Moved:         ", r.source());
            out.printf("To:             %s (database %s)%n", JdbcUrls.redact(to), r.targetDatabase());
            out.printf("Schema version: %s%n", r.schemaVersion());
            out.println("Rows per table (foreign-key order), SHA-256 of the rows on both sides:");
            for (MoveToPostgres.TableCheck t : r.tables()) {
                out.printf(
                        "  %-28s %,10d  %s  %s%n",
                        t.table(), t.targetRows(), t.sourceSha256().substring(0, 16), t.matches() ? "ok" : "MISMATCH");
            }
            out.printf(
                    "Verified:       %d tables, %,d rows: row counts and checksums match%n",
                    r.tables().size(), r.rows());
            if (!r.nextIds().isEmpty()) {
                out.println("Next ids:       "
                        + String.join(
                                ", ",
                                r.nextIds().entrySet().stream()
                                        .sorted(Map.Entry.comparingByKey())
                                        .map(e -> e.getKey() + "=" + e.getValue())
                                        .toList()));
            }
            if (!verifyOnly) {
                out.println("Next:           switch every service's DIALUP_DB to the URL, start them, keep the SQLite"
                        + " file and its backup.");
            }
        }
        return DialupCli.EXIT_OK;
    }
}
