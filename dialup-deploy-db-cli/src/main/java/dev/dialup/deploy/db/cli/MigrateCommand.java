package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.SchemaStatus;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        description = {
            "Create, adopt (legacy Bun database) or migrate the database, then print the schema version and row counts.",
            "A new database is created with mode 0600 (its -wal and -shm too).",
            "PostgreSQL: run it as the owner role; --runtime-role then grants the role services connect with"
                    + " (owns nothing, no BYPASSRLS) what they need, and nothing more."
        })
final class MigrateCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @Mixin
    DialupCli.CreateDirsOption createDirs;

    @CommandLine.Option(
            names = "--runtime-role",
            paramLabel = "ROLE",
            description = "PostgreSQL only: after migrating, grant this existing role the runtime privileges"
                    + " (refused for a superuser, a BYPASSRLS role, the owner or a member of it). Run again after"
                    + " every migrate; idempotent.")
    String runtimeRole;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        DialupDatabase.Builder builder = options.builder();
        if (createDirs.create) {
            builder.createDirectories(true);
        }
        if (runtimeRole != null && !options.postgres()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--runtime-role applies to a PostgreSQL database (--db jdbc:postgresql://…)");
        }
        try (DialupDatabase db = builder.build()) {
            SchemaStatus status = db.statusAtOpen();
            dev.dialup.deploy.db.ops.RuntimeRole.Report granted = runtimeRole == null
                    ? null
                    : dev.dialup.deploy.db.ops.RuntimeRole.grant(options.location(), runtimeRole);
            Map<String, Long> counts = Json.rowCounts(db.rowCounts());
            PrintWriter out = spec.commandLine().getOut();
            if (options.json()) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("database", db.location());
                json.put("schemaVersion", Json.version(status.currentVersion()));
                json.put("rowCounts", counts);
                if (granted != null) {
                    json.put("runtimeRole", granted.role());
                }
                out.println(Json.of(json));
            } else {
                out.printf("Database:       %s%n", db.location());
                out.printf("Schema version: %s (up to date)%n", status.currentVersion());
                out.println("Rows per table:");
                counts.forEach((t, n) -> out.printf("  %-28s %,d%n", t, n));
                if (granted != null) {
                    out.printf(
                            "Runtime role:   %s (tables and sequences of schema %s; row-level security applies)%n",
                            granted.role(), granted.schema());
                }
            }
            return DialupCli.EXIT_OK;
        }
    }
}
