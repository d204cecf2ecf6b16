package dev.dialup.deploy.db.cli;

import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.ReencryptProgress;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
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
        name = "rotate-keys",
        mixinStandardHelpOptions = true,
        description = {
            "Rotate the key that encrypts secret environment variables.",
            "1. --new-key adds a fresh AES256-GCM key to the keyset file and makes it primary (old keys stay, so every value stays readable).",
            "2. Every secret not under the primary key is re-encrypted to it in small batches (resumable: run again after an interruption).",
            "3. --retire-unused removes from the keyset file every old key no stored value needs any more.",
            "Key material: --keyset-file, else $DIALUP_SECRETS_KEYSET (JSON; cannot be rewritten, so no --new-key/--retire-unused),"
                    + " else $DIALUP_SECRETS_KEYSET_FILE, else ./data/secrets-keyset.json. Key material never goes into the database.",
            "Keep a copy of the keyset file with your backups: a backup's secrets are unreadable without the keys that encrypted them."
        })
final class RotateKeysCommand implements Callable<Integer> {
    @Mixin
    DialupCli.DbOptions options;

    @Option(
            names = "--keyset-file",
            paramLabel = "FILE",
            description = "Tink JSON keyset file to use (and rewrite with --new-key / --retire-unused).")
    Path keysetFile;

    @Option(names = "--new-key", description = "Add a new primary key to the keyset file before re-encrypting.")
    boolean newKey;

    @Option(names = "--retire-unused", description = "After re-encrypting, remove old keys that no stored value needs.")
    boolean retireUnused;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "200",
            description = "Values re-encrypted per transaction (default ${DEFAULT-VALUE}).")
    int batchSize;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path file = keysetFileToRewrite();
        if ((newKey || retireUnused) && file == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "The keyset comes from $" + SecretsKeyset.ENV_KEYSET
                            + ", which this command cannot rewrite: use --keyset-file (or $"
                            + SecretsKeyset.ENV_KEYSET_FILE + ") for --new-key / --retire-unused");
        }
        SecretsKeyset keyset =
                keysetFile != null ? SecretsKeyset.fromFile(keysetFile) : SecretsKeyset.fromEnvironment();
        if (newKey) {
            keyset = keyset.withNewPrimaryKey();
            keyset.writeTo(file); // written before any value moves to the new key, so no value is ever unreadable
        }
        ProgressBar bar = ProgressBar.forCommand(spec.commandLine().getErr(), options.json(), "values");
        ReencryptProgress result;
        Map<String, Long> inUse;
        List<String> retired = new ArrayList<>();
        try (DialupDatabase db = options.existingBuilder()
                .migrateOnOpen(false)
                .allowSystemScope()
                .build()) {
            AccessScope operator = db.systemScope("cli:rotate-keys");
            EnvironmentRepository env = new EnvironmentRepository(db, keyset);
            String primaryId = Integer.toUnsignedString(keyset.primaryKeyId());
            long total = env.keysInUse(operator).entrySet().stream()
                    .filter(e -> !e.getKey().equals(primaryId))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
            try {
                result = env.reencryptSecrets(
                        operator, batchSize, p -> bar.update("re-encrypt", p.reencrypted(), total));
            } finally {
                bar.finish();
            }
            if (retireUnused) {
                for (int keyId : keyset.keyIds()) {
                    if (keyId != keyset.primaryKeyId() && env.canRetire(operator, keyId)) {
                        keyset = keyset.withoutKey(keyId);
                        retired.add(Integer.toUnsignedString(keyId));
                    }
                }
                if (!retired.isEmpty()) keyset.writeTo(file);
            }
            inUse = env.keysInUse(operator);
        }
        PrintWriter out = spec.commandLine().getOut();
        String primary = Integer.toUnsignedString(keyset.primaryKeyId());
        List<String> keys =
                keyset.keyIds().stream().map(Integer::toUnsignedString).sorted().toList();
        if (options.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("primaryKeyId", primary);
            json.put("reencrypted", result.reencrypted());
            json.put("batches", result.batches());
            json.put("remaining", result.remaining());
            json.put("valuesPerKey", inUse);
            json.put("keysInKeyset", keys);
            json.put("retiredKeys", retired);
            out.println(Json.of(json));
        } else {
            out.printf("Primary key:     %s%s%n", primary, newKey ? " (new)" : "");
            out.printf("Re-encrypted:    %,d values in %d batches%n", result.reencrypted(), result.batches());
            out.printf("Values per key:  %s%n", inUse.isEmpty() ? "no secrets stored" : inUse);
            out.printf("Keys in keyset:  %s%n", keys);
            if (retireUnused) out.printf("Retired keys:    %s%n", retired.isEmpty() ? "none" : retired);
        }
        return DialupCli.EXIT_OK;
    }

    /** The file --new-key / --retire-unused rewrite, or null when the keyset comes from the JSON variable. */
    private Path keysetFileToRewrite() {
        if (keysetFile != null) return keysetFile;
        String json = System.getenv(SecretsKeyset.ENV_KEYSET);
        if (json != null && !json.isBlank()) return null;
        String name = System.getenv(SecretsKeyset.ENV_KEYSET_FILE);
        return name == null || name.isBlank() ? SecretsKeyset.DEFAULT_FILE : Path.of(name);
    }
}
