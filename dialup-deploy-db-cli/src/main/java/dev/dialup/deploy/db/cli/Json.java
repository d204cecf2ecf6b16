package dev.dialup.deploy.db.cli;

import java.util.Map;
import org.jooq.tools.json.JSONValue;

/** JSON output for {@code --json}: one object per command. */
final class Json {
    private Json() {}

    static String of(Map<String, ?> object) {
        return JSONValue.toJSONString(object);
    }
}
