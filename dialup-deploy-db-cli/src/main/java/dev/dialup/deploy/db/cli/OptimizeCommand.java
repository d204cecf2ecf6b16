package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.ops.Optimizer;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "optimize",
        mixinStandardHelpOptions = true,
        description = {
            "Routine upkeep: PRAGMA optimize, incremental vacuum (returns pages freed by pruning),"
                    + " and wal_checkpoint(TRUNCATE). Takes the write lock briefly; safe while services run.",
            "Does not migrate: the database must already be at a schema this CLI knows."
        })
final class OptimizeCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), null);
        bar.update("optimize", 0, 0);
        Optimizer.Report r;
        try (DialupDatabase db = options.existingBuilder().migrateOnOpen(false).build()) {
            r = Optimizer.optimize(db);
        } finally {
            bar.finish();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database", options.display());
            json.put("fileBytesBefore", r.fileBytesBefore());
            json.put("fileBytesAfter", r.fileBytesAfter());
            json.put("walBytesBefore", r.walBytesBefore());
            json.put("walBytesAfter", r.walBytesAfter());
            json.put("freePagesBefore", r.freePagesBefore());
            json.put("freePagesAfter", r.freePagesAfter());
            json.put("autoVacuum", r.autoVacuum());
            json.put("checkpointBusy", r.checkpointBusy());
            json.put("millis", r.took().toMillis());
            out.println(Json.of(json));
        } else {
            out.printf("Database:     %s%n", options.display());
            out.printf("File size:    %,d -> %,d bytes%n", r.fileBytesBefore(), r.fileBytesAfter());
            out.printf(
                    "WAL size:     %,d -> %,d bytes%s%n",
                    r.walBytesBefore(),
                    r.walBytesAfter(),
                    r.checkpointBusy() ? " (a reader kept the checkpoint from finishing; run again later)" : "");
            out.printf(
                    "Free pages:   %,d -> %,d (auto_vacuum %s)%n",
                    r.freePagesBefore(), r.freePagesAfter(), r.autoVacuum());
            out.printf("Took:         %d ms%n", r.took().toMillis());
        }
        return DialupCli.EXIT_OK;
    }
}
