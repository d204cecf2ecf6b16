package dev.dialup.deploy.db.backup;

import dev.dialup.deploy.db.DialupDataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.tools.json.JSONParser;
import org.jooq.tools.json.JSONValue;
import org.jooq.tools.json.ParseException;

/**
 * The JSON file written beside every backup ({@code <backup>.manifest.json}): what it is a
 * copy of, at which schema version, how many rows each table held, and the SHA-256 that a
 * restore checks before trusting the file.
 *
 * @param schemaVersion highest applied migration ("1" for a legacy, never-migrated file)
 * @param kind          {@code "backup"} or {@code "pre-migration"}
 */
public record BackupManifest(
        int format,
        String file,
        String source,
        Instant createdAt,
        String kind,
        String schemaVersion,
        long bytes,
        String sha256,
        Map<String, Long> rowCounts) {
    public static final int FORMAT = 1;
    public static final String SUFFIX = ".manifest.json";

    public BackupManifest {
        rowCounts = Map.copyOf(rowCounts);
    }

    /** Where the manifest of {@code backupFile} lives. */
    public static Path pathFor(Path backupFile) {
        return backupFile.resolveSibling(backupFile.getFileName() + SUFFIX);
    }

    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", format);
        json.put("file", file);
        json.put("source", source);
        json.put("createdAt", createdAt.toString());
        json.put("kind", kind);
        json.put("schemaVersion", schemaVersion);
        json.put("bytes", bytes);
        json.put("sha256", sha256);
        json.put("rowCounts", new TreeMap<>(rowCounts));
        return JSONValue.toJSONString(json);
    }

    public static BackupManifest read(Path manifestFile) {
        try {
            return parse(Files.readString(manifestFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new DialupDataException("Cannot read backup manifest " + manifestFile + ": " + e.getMessage(), e);
        }
    }

    public static BackupManifest parse(String json) {
        try {
            Map<?, ?> m = (Map<?, ?>) new JSONParser().parse(json);
            Map<String, Long> counts = new TreeMap<>();
            ((Map<?, ?>) m.get("rowCounts")).forEach((k, v) -> counts.put((String) k, ((Number) v).longValue()));
            return new BackupManifest(
                    ((Number) m.get("format")).intValue(),
                    (String) m.get("file"),
                    (String) m.get("source"),
                    Instant.parse((String) m.get("createdAt")),
                    (String) m.get("kind"),
                    (String) m.get("schemaVersion"),
                    ((Number) m.get("bytes")).longValue(),
                    (String) m.get("sha256"),
                    counts);
        } catch (ParseException | RuntimeException e) {
            throw new DialupDataException("Not a valid backup manifest: " + e.getMessage(), e);
        }
    }
}
