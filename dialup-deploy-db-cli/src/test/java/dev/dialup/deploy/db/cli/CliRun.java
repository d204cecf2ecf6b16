package dev.dialup.deploy.db.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.jooq.tools.json.JSONParser;

/** One in-process CLI invocation: exit code and what went to stdout and stderr. */
record CliRun(int exit, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DialupCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    /** stdout parsed as the one JSON object a {@code --json} command prints. */
    Map<?, ?> json() throws Exception {
        return (Map<?, ?>) new JSONParser().parse(out);
    }
}
