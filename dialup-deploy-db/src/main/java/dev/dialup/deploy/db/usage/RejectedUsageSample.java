package dev.dialup.deploy.db.usage;

import dev.dialup.deploy.db.DialupDataException;

/**
 * A sample a {@link UsageRecorder} accepted but did not store, handed to its
 * {@linkplain UsageRecorder.Settings#onRejected() rejection handler} on the recorder's thread.
 *
 * @param sample the sample as it was passed to {@link UsageRecorder#record}
 * @param reason why: a {@code ValidationException} (unknown site, a timestamp too far after now),
 *               a {@code ConflictException} (a different sample for the same site and second is
 *               stored, or came earlier in the same batch), or the failure that outlasted the
 *               recorder's retries ({@code DatabaseBusyException}, {@code StorageException},
 *               {@code DatabaseClosedException}, ...)
 */
public record RejectedUsageSample(UsageSample sample, DialupDataException reason) {}
