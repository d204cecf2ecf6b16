package dev.dialup.deploy.db.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures what the tests of a class write to {@code System.err} — where the test logging backend
 * (slf4j-simple, {@code simplelogger.properties}) writes its WARN and ERROR lines — so that a test that
 * provokes an expected warning can assert it instead of printing it into the build log.
 *
 * <pre>{@code
 * @RegisterExtension final CapturedLog log = new CapturedLog();
 * ...
 * assertThat(log.text()).contains("Maintenance task prune failed");
 * }</pre>
 *
 * A failing test gets its captured lines printed after all, so nothing that explains a failure is lost.
 */
public final class CapturedLog implements BeforeEachCallback, AfterEachCallback {
    private PrintStream original;
    private ByteArrayOutputStream buffer;

    @Override
    public void beforeEach(ExtensionContext context) {
        original = System.err;
        buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        System.err.flush();
        System.setErr(original);
        if (context.getExecutionException().isPresent() && buffer.size() > 0) {
            original.println("--- log of " + context.getDisplayName() + " ---");
            original.print(text());
        }
    }

    /** Everything logged (to {@code System.err}) so far in this test. */
    public String text() {
        System.err.flush();
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
