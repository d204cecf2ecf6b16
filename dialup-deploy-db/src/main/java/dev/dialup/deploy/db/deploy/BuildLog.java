package dev.dialup.deploy.db.deploy;

/** A deployment's build log, read back in order; {@code archived} when it came from the compressed archive. */
public record BuildLog(long deploymentId, String text, boolean truncated, boolean archived) {

    /** The line stored after the last kept byte when a log reaches {@code deployments.max_log_bytes}. */
    public static String truncationMarker(long cap) {
        return "\n[dialup: build log truncated at " + cap + " bytes; further output was dropped]\n";
    }
}
