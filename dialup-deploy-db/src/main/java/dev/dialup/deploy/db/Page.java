package dev.dialup.deploy.db;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a keyset-paginated list. {@link #next()} is the cursor to pass back for the
 * following page; it is empty on the last page. Pages never overlap and never skip rows as
 * long as the sort key of existing rows does not change between calls.
 */
public record Page<T>(List<T> items, PageCursor nextCursor) {
    public static final int MAX_LIMIT = 500;

    public Page {
        items = List.copyOf(items);
    }

    public Optional<PageCursor> next() {
        return Optional.ofNullable(nextCursor);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }

    /** Rejects a page size outside 1..{@value #MAX_LIMIT}. */
    public static int checkLimit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ValidationException("limit", "must be between 1 and " + MAX_LIMIT);
        }
        return limit;
    }

    /**
     * Builds a page from {@code limit + 1} fetched rows: the extra row only proves there is
     * more, and the cursor points at the last row returned.
     */
    public static <T> Page<T> of(List<T> fetched, int limit, java.util.function.Function<T, PageCursor> cursorOf) {
        Objects.requireNonNull(cursorOf);
        if (fetched.size() <= limit) {
            return new Page<>(fetched, null);
        }
        List<T> items = fetched.subList(0, limit);
        return new Page<>(items, cursorOf.apply(items.get(limit - 1)));
    }
}
