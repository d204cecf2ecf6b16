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
import org.jooq.impl.DSL;

/**
 * Binds a Java value type to a canonical TEXT form in SQLite. The driver's own date
 * handling (epoch integers, local time zones) is bypassed on purpose: stored text is
 * UTC and sorts correctly, and the same text is produced whether a value comes from
 * Java or from a SQL default.
 */
abstract class TextBinding<T, U> implements Binding<T, U> {

    protected abstract String format(U value);

    protected abstract U parse(String text);

    @Override
    public void sql(BindingSQLContext<U> ctx) {
        if (ctx.render().paramType() == org.jooq.conf.ParamType.INLINED) {
            ctx.render().visit(DSL.inline(ctx.value() == null ? null : format(ctx.value())));
        } else {
            ctx.render().sql(ctx.variable());
        }
    }

    @Override
    public void register(BindingRegisterContext<U> ctx) throws SQLException {
        ctx.statement().registerOutParameter(ctx.index(), Types.VARCHAR);
    }

    @Override
    public void set(BindingSetStatementContext<U> ctx) throws SQLException {
        if (ctx.value() == null) {
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
        String text = ctx.resultSet().getString(ctx.index());
        ctx.value(text == null ? null : parse(text));
    }

    @Override
    public void get(BindingGetStatementContext<U> ctx) throws SQLException {
        String text = ctx.statement().getString(ctx.index());
        ctx.value(text == null ? null : parse(text));
    }

    @Override
    public void get(BindingGetSQLInputContext<U> ctx) throws SQLException {
        throw new SQLFeatureNotSupportedException();
    }
}
