package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.ops.Verifier;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Check the database without changing it: integrity_check, foreign_key_check and the schema"
                    + " version (current, pending migrations, or newer than this CLI).",
            "Pending migrations and a legacy database are reported but are not problems.",
            "Warnings (not failures): database, -wal, -shm or backup files other users can read; processes rows"
                    + " linked to no site.",
            "Exit 3 when the file is refused (not SQLite, newer or unrecognised schema), 4 for integrity or foreign-key problems."
        })
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), null);
        bar.update("verify", 0, 0);
        Verifier.Report r;
        try {
            r = Verifier.verify(options.location());
        } finally {
            bar.finish();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database", r.location());
            json.put("ok", r.ok());
            // null, never an empty "all clear", when the checks did not run
            json.put("integrity", r.contentChecked() ? r.integrity() : null);
            json.put("foreignKeyViolations", r.contentChecked() ? r.foreignKeyViolations() : null);
            json.put("schemaState", r.schemaState().name());
            json.put("schemaVersion", Json.version(r.schemaVersion()));
            json.put("latestVersion", Json.version(r.latestVersion()));
            json.put("pendingMigrations", r.pendingMigrations());
            json.put("problems", r.problems());
            json.put("warnings", r.warnings());
            out.println(Json.of(json));
        } else {
            out.printf("Database:        %s%n", r.location());
            out.printf("Integrity:       %s%n", !r.contentChecked() ? "not checked" : String.join("; ", r.integrity()));
            out.printf(
                    "Foreign keys:    %s%n",
                    !r.contentChecked()
                            ? "not checked"
                            : r.foreignKeyViolations().isEmpty()
                                    ? "ok"
                                    : r.foreignKeyViolations().size() + " violation(s)");
            out.printf(
                    "Schema:          %s (version %s, library knows up to %s)%n",
                    r.schemaState(), r.schemaVersion(), r.latestVersion());
            if (!r.pendingMigrations().isEmpty()) {
                out.printf(
                        "Pending:         %s (applied on next open or 'migrate')%n",
                        String.join(", ", r.pendingMigrations()));
            }
            out.println(r.ok() ? "Result:          OK" : "Result:          PROBLEMS FOUND");
            r.problems().forEach(p -> out.println("  - " + p));
            if (!r.warnings().isEmpty()) {
                out.println("Warnings:");
                r.warnings().forEach(w -> out.println("  - " + w));
            }
        }
        return r.ok() ? DialupCli.EXIT_OK : r.refused() ? DialupCli.EXIT_REFUSED : DialupCli.EXIT_VERIFY_FAILED;
    }
}
