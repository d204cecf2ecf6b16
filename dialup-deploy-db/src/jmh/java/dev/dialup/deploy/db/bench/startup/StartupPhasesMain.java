package dev.dialup.deploy.db.bench.startup;

import static dev.dialup.deploy.db.generated.Tables.USERS;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dialup.deploy.db.engine.sqlite.SqliteOnly;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jooq.impl.DefaultConfiguration;

/**
 * Where start-up time goes (docs/PERFORMANCE.md): in a fresh JVM, the pieces of an open plus a
 * first query, one after the other, each with its wall time, this thread's CPU time and the
 * classes it loaded. Diagnostic only; the numbers to quote come from {@link StartupTimingMain}.
 */
public final class StartupPhasesMain {
    private StartupPhasesMain() {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static long wall, cpu, proc;
    private static int classes;

    private static void mark() {
        wall = System.nanoTime();
        cpu = THREADS.getCurrentThreadCpuTime();
        proc = OS.getProcessCpuTime();
        classes = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
    }

    private static void report(String phase) {
        long w = System.nanoTime() - wall,
                c = THREADS.getCurrentThreadCpuTime() - cpu,
                p = OS.getProcessCpuTime() - proc;
        int n = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount() - classes;
        System.out.printf(
                "%-28s wall %5d ms  thread-cpu %5d ms  process-cpu %5d ms  classes %5d%n",
                phase, w / 1_000_000, c / 1_000_000, p / 1_000_000, n);
        mark();
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        mark();
        report("(warm-up of the meter)");
        try (Connection c =
                        SqliteOnly.dataSource(file, SqliteOnly.inspectConfig()).getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM flyway_schema_history")) {
            rs.next();
        }
        report("sqlite-jdbc first query");
        Class.forName("org.jooq.impl.SQLDataType");
        report("jOOQ SQLDataType init");
        Settings settings = new Settings().withRenderFormatted(false);
        report("jOOQ Settings");
        DefaultConfiguration cfg = new DefaultConfiguration();
        cfg.set(SQLDialect.SQLITE).set(settings);
        report("jOOQ DefaultConfiguration");
        Class.forName("dev.dialup.deploy.db.generated.Tables");
        report("generated Tables");
        String sql =
                DSL.using(SQLDialect.SQLITE, settings).render(DSL.selectCount().from(USERS));
        report("render a first query");
        HikariConfig hc = new HikariConfig();
        hc.setDataSource(SqliteOnly.dataSource(file, SqliteOnly.inspectConfig()));
        hc.setMaximumPoolSize(4);
        hc.setMinimumIdle(1);
        hc.setInitializationFailTimeout(-1);
        hc.setReadOnly(true);
        HikariDataSource pool = new HikariDataSource(hc);
        report("Hikari pool (lazy)");
        DSLContext dsl = DSL.using(cfg.derive(new DataSourceConnectionProvider(pool)));
        int users = dsl.transactionResult(t -> t.dsl().fetchCount(USERS));
        report("first jOOQ query in a tx");
        pool.close();
        report("pool close");
        System.out.println(sql + " -> " + users + "; process cpu total " + OS.getProcessCpuTime() / 1_000_000 + " ms");
    }
}
