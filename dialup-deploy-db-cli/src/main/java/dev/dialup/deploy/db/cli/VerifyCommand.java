package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.ops.Verifier;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check the database without changing it: integrity_check, foreign_key_check and the schema"
                + " version (current, pending migrations, or newer than this CLI).",
                "Pending migrations and a legacy database are reported but are not problems."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:no problem found", "1:could not run (e.g. no database file)",
                "4:a problem was found (integrity, foreign keys, newer or unrecognised schema, not SQLite)"})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ProgressBar bar = new ProgressBar(spec.commandLine().getErr());
        bar.update("verify", 0, 0);
        Verifier.Report r;
        try {
            r = Verifier.verify(options.path());
        } finally {
            bar.finish();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database", r.database().toString());
            json.put("ok", r.ok());
            json.put("integrity", r.integrity());
            json.put("foreignKeyViolations", r.foreignKeyViolations());
            json.put("schemaState", r.schemaState().name());
            json.put("schemaVersion", r.schemaVersion());
            json.put("latestVersion", r.latestVersion());
            json.put("pendingMigrations", r.pendingMigrations());
            json.put("problems", r.problems());
            out.println(Json.of(json));
        } else {
            out.printf("Database:        %s%n", r.database());
            out.printf("Integrity:       %s%n", r.integrity().isEmpty() ? "(not checked)" : String.join("; ", r.integrity()));
            out.printf("Foreign keys:    %s%n", r.foreignKeyViolations().isEmpty() ? "ok"
                    : r.foreignKeyViolations().size() + " violation(s)");
            out.printf("Schema:          %s (version %s, library knows up to %s)%n", r.schemaState(), r.schemaVersion(),
                    r.latestVersion());
            if (!r.pendingMigrations().isEmpty()) {
                out.printf("Pending:         %s (applied on next open or 'migrate')%n", String.join(", ", r.pendingMigrations()));
            }
            out.println(r.ok() ? "Result:          OK" : "Result:          PROBLEMS FOUND");
            r.problems().forEach(p -> out.println("  - " + p));
        }
        return r.ok() ? DialupCli.EXIT_OK : DialupCli.EXIT_VERIFY_FAILED;
    }
}
