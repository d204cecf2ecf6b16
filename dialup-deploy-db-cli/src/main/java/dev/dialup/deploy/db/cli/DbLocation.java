package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.engine.JdbcUrls;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Whether a command's database is a PostgreSQL JDBC URL rather than a file: the {@code --db} value exactly as typed
 * (a {@code Path} would fold its {@code //}), else {@code $DIALUP_DB}. Never print what this returns: show it through
 * {@link JdbcUrls#redact(String)}.
 */
final class DbLocation {
    private DbLocation() {}

    static Optional<String> postgresUrl(CommandLine.Model.CommandSpec spec) {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        CommandLine.Model.OptionSpec db = parsed == null ? null : parsed.matchedOption("--db");
        String raw;
        if (db != null) {
            List<String> values = db.originalStringValues();
            raw = values.isEmpty() ? null : values.get(values.size() - 1);
        } else {
            raw = System.getenv(DialupDatabase.ENV_VAR);
        }
        return JdbcUrls.isPostgres(raw) ? Optional.of(raw.trim()) : Optional.empty();
    }
}
