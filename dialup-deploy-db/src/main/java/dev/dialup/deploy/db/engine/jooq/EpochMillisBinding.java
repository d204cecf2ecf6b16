package dev.dialup.deploy.db.engine.jooq;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;
import java.time.Instant;
import org.jooq.Binding;
import org.jooq.BindingGetResultSetContext;
import org.jooq.BindingGetSQLInputContext;
import org.jooq.BindingGetStatementContext;
import org.jooq.BindingRegisterContext;
import org.jooq.BindingSQLContext;
import org.jooq.BindingSetSQLOutputContext;
import org.jooq.BindingSetStatementContext;
import org.jooq.Converter;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;

/**
 * The legacy {@code processes.startTime}: epoch milliseconds in an INTEGER column. jOOQ
 * types SQLite's INTEGER as a Java int, which epoch millis overflow, so values are moved
 * with get/setLong here.
 */
public final class EpochMillisBinding implements Binding<Integer, Instant> {
    private static final Converter<Integer, Instant> CONVERTER =
            Converter.ofNullable(Integer.class, Instant.class, i -> Instant.ofEpochMilli(i.longValue()), instant -> {
                throw new ArithmeticException("epoch millis do not fit an int; bind through EpochMillisBinding");
            });

    @Override
    public Converter<Integer, Instant> converter() {
        return CONVERTER;
    }

    @Override
    public void sql(BindingSQLContext<Instant> ctx) {
        if (ctx.render().paramType() == ParamType.INLINED) {
            ctx.render()
                    .visit(DSL.inline(ctx.value() == null ? null : ctx.value().toEpochMilli()));
        } else {
            ctx.render().sql(ctx.variable());
        }
    }

    @Override
    public void register(BindingRegisterContext<Instant> ctx) throws SQLException {
        ctx.statement().registerOutParameter(ctx.index(), Types.BIGINT);
    }

    @Override
    public void set(BindingSetStatementContext<Instant> ctx) throws SQLException {
        if (ctx.value() == null) {
            ctx.statement().setNull(ctx.index(), Types.BIGINT);
        } else {
            ctx.statement().setLong(ctx.index(), ctx.value().toEpochMilli());
        }
    }

    @Override
    public void set(BindingSetSQLOutputContext<Instant> ctx) throws SQLException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public void get(BindingGetResultSetContext<Instant> ctx) throws SQLException {
        long millis = ctx.resultSet().getLong(ctx.index());
        ctx.value(ctx.resultSet().wasNull() ? null : Instant.ofEpochMilli(millis));
    }

    @Override
    public void get(BindingGetStatementContext<Instant> ctx) throws SQLException {
        long millis = ctx.statement().getLong(ctx.index());
        ctx.value(ctx.statement().wasNull() ? null : Instant.ofEpochMilli(millis));
    }

    @Override
    public void get(BindingGetSQLInputContext<Instant> ctx) throws SQLException {
        throw new SQLFeatureNotSupportedException();
    }
}
