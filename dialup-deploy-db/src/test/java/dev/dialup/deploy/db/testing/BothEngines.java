package dev.dialup.deploy.db.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A suite that runs on both engines: once on SQLite in the default Surefire execution, once more
 * on PostgreSQL in the {@code postgresql} execution ({@link TempDatabase#ENGINE_PROPERTY}), where
 * {@link TempDatabase} opens a fresh PostgreSQL database instead of a file.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(BothEngines.TAG)
public @interface BothEngines {
    String TAG = "both-engines";
}
