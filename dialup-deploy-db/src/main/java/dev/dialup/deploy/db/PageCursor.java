package dev.dialup.deploy.db;

/**
 * Where the previous page ended: the sort key of its last row ({@code key}, empty when a list
 * sorts by id alone) and that row's id as the tie-breaker. Pass {@code null} for the first page.
 */
public record PageCursor(String key, long id) {
    public PageCursor {
        if (key == null) key = "";
    }

    public static PageCursor ofId(long id) {
        return new PageCursor("", id);
    }
}
