package dev.dialup.deploy.db.bench.startup;

import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.core.DialupDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * In-process startup time (docs/PERFORMANCE.md): in a fresh JVM, the milliseconds from just
 * before opening to just after the first query's result, for {@code plain} sqlite-jdbc (the
 * baseline), the {@code library}'s {@code DialupDatabase.open} (fast path on an up-to-date file),
 * or {@code flyway} (the same open forced through Flyway's info and validate). JVM boot is not
 * included; it is the same for all three and is in the hyperfine numbers beside these. Also
 * printed: the process CPU time spent in that span (all threads) and the classes it loaded.
 */
public final class StartupTimingMain {
    private StartupTimingMain() {}

    /** Linux only, diagnostics ({@code -Dstartup.threads=true}): CPU ms of every thread of the process since it started. */
    private static void printThreadCpu() throws java.io.IOException {
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String stat = java.nio.file.Files.readString(task.resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, in clock ticks (1/100 s)
                if (ticks > 0) {
                    System.out.println("  thread " + name + " " + ticks * 10 + " ms");
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path file = Path.of(args[1]);
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        var loading = java.lang.management.ManagementFactory.getClassLoadingMXBean();
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = os.getProcessCpuTime();
        long mainCpu0 = threads.getCurrentThreadCpuTime();
        int classes0 = loading.getLoadedClassCount();
        long t0 = System.nanoTime();
        long users;
        switch (mode) {
            case "plain" -> {
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                        Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT count(*) FROM users")) {
                    rs.next();
                    users = rs.getLong(1);
                }
            }
            case "library" -> {
                try (DialupDatabase db = DialupDatabase.open(file)) {
                    users = db.read(dsl -> (long) dsl.fetchCount(USERS));
                }
            }
            case "flyway" -> {
                try (DialupDatabase db = DialupDatabase.builder()
                        .path(file)
                        .extraMigrationLocation("classpath:db/none")
                        .build()) {
                    users = db.read(dsl -> (long) dsl.fetchCount(USERS));
                }
            }
            default -> throw new IllegalArgumentException("mode: plain, library or flyway");
        }
        long wall = (System.nanoTime() - t0) / 1_000_000;
        // CPU is steadier than wall time on a loaded machine. Main-thread CPU: the work on the
        // opening thread (the critical path when a second core is free); process CPU: every
        // thread (this one, the warm-up, JIT compilers, GC); classes: loaded during open + query.
        long mainCpu = (threads.getCurrentThreadCpuTime() - mainCpu0) / 1_000_000;
        System.out.println(mode + " " + wall + " ms, main-thread cpu " + mainCpu + " ms, process cpu "
                + (os.getProcessCpuTime() - cpu0) / 1_000_000 + " ms, classes "
                + (loading.getLoadedClassCount() - classes0) + " (users=" + users + ")");
        if (Boolean.getBoolean("startup.threads")) {
            printThreadCpu();
        }
    }
}
