/**
 * JMH benchmarks. Compiled only with {@code -Pbench}; see docs/PERFORMANCE.md for how to run
 * them and the recorded results.
 */
package dev.dialup.deploy.db.bench;
