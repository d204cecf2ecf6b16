package dev.dialup.deploy.db.engine.jooq;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;
import org.jooq.Binding;
import org.jooq.BindingGetResultSetContext;
import org.jooq.BindingGetSQLInputContext;
import org.jooq.BindingGetStatementContext;
import org.jooq.BindingRegisterContext;
import org.jooq.BindingSQLContext;
import org.jooq.BindingSetSQLOutputContext;
import org.jooq.BindingSetStatementContext;
import org.jooq.SQLDialect;
import org.jooq.Scope;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;

/**
 * Binds a Java value type to the column type of each engine, chosen by the dialect of the query
 * ({@link Scope#family()}):
 *
 * <ul>
 *   <li><b>SQLite</b> (and any dialect but PostgreSQL): a canonical TEXT form. The driver's own date
 *       handling (epoch integers, local time zones) is bypassed on purpose: stored text is UTC and sorts
 *       correctly, and the same text is produced whether a value comes from Java or from a SQL default.
 *   <li><b>PostgreSQL</b>: the native type ({@code timestamptz}, {@code date}), moved with JDBC 4.2's
 *       {@code setObject}/{@code getObject} and java.time values, never with {@code java.sql.Timestamp}
 *       (whose hybrid Julian calendar would shift dates before 1582) nor with text (PostgreSQL refuses
 *       varchar for these columns). Every bind value is rendered as {@code cast(? as type)}, so it has its
 *       type in every context (UNION, {@code coalesce}, {@code VALUES}, nulls), whatever the generated
 *       {@code SQLDataType} (codegen runs on SQLite and says {@code timestamp(0)}/{@code date}).
 * </ul>
 *
 * Each subclass converts its value so that both engines store exactly the same thing (see
 * {@link StoredTime}).
 */
abstract class DialectBinding<T, U> implements Binding<T, U> {

    /** The SQLite text for a value. */
    protected abstract String format(U value);

    /** A value from its SQLite text. */
    protected abstract U parse(String text);

    /** The PostgreSQL type name used in casts ({@code timestamptz}, {@code date}). */
    protected abstract String postgresType();

    /** The {@link Types} code of the PostgreSQL column, for nulls and OUT parameters. */
    protected abstract int postgresSqlType();

    /** The JDBC object bound on PostgreSQL (an {@code OffsetDateTime}, a {@code LocalDate}). */
    protected abstract Object toPostgres(U value);

    /** The JDBC class read on PostgreSQL with {@code getObject(index, class)}. */
    protected abstract Class<?> postgresClass();

    /** A value from the object PostgreSQL's driver returned ({@link #postgresClass()}). */
    protected abstract U fromPostgres(Object value);

    /** The PostgreSQL literal text of a value (inside quotes, before the cast) for inlined SQL. */
    protected abstract String postgresLiteral(U value);

    static boolean postgres(Scope ctx) {
        return ctx.family() == SQLDialect.POSTGRES;
    }

    @Override
    public void sql(BindingSQLContext<U> ctx) {
        boolean inlined = ctx.render().paramType() == ParamType.INLINED;
        if (!postgres(ctx)) {
            if (inlined) {
                ctx.render().visit(DSL.inline(ctx.value() == null ? null : format(ctx.value())));
            } else {
                ctx.render().sql(ctx.variable());
            }
            return;
        }
        ctx.render().sql("cast(");
        if (inlined) {
            ctx.render().visit(DSL.inline(ctx.value() == null ? null : postgresLiteral(ctx.value())));
        } else {
            ctx.render().sql(ctx.variable());
        }
        ctx.render().sql(" as ").sql(postgresType()).sql(")");
    }

    @Override
    public void register(BindingRegisterContext<U> ctx) throws SQLException {
        ctx.statement().registerOutParameter(ctx.index(), postgres(ctx) ? postgresSqlType() : Types.VARCHAR);
    }

    @Override
    public void set(BindingSetStatementContext<U> ctx) throws SQLException {
        if (postgres(ctx)) {
            if (ctx.value() == null) {
                ctx.statement().setNull(ctx.index(), postgresSqlType());
            } else {
                ctx.statement().setObject(ctx.index(), toPostgres(ctx.value()));
            }
        } else if (ctx.value() == null) {
            ctx.statement().setNull(ctx.index(), Types.VARCHAR);
        } else {
            ctx.statement().setString(ctx.index(), format(ctx.value()));
        }
    }

    @Override
    public void set(BindingSetSQLOutputContext<U> ctx) throws SQLException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public void get(BindingGetResultSetContext<U> ctx) throws SQLException {
        if (postgres(ctx)) {
            Object value = ctx.resultSet().getObject(ctx.index(), postgresClass());
            ctx.value(value == null ? null : fromPostgres(value));
        } else {
            String text = ctx.resultSet().getString(ctx.index());
            ctx.value(text == null ? null : parse(text));
        }
    }

    @Override
    public void get(BindingGetStatementContext<U> ctx) throws SQLException {
        if (postgres(ctx)) {
            Object value = ctx.statement().getObject(ctx.index(), postgresClass());
            ctx.value(value == null ? null : fromPostgres(value));
        } else {
            String text = ctx.statement().getString(ctx.index());
            ctx.value(text == null ? null : parse(text));
        }
    }

    @Override
    public void get(BindingGetSQLInputContext<U> ctx) throws SQLException {
        throw new SQLFeatureNotSupportedException();
    }
}
