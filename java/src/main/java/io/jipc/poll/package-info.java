/**
 * Waiting for any of several jipc objects at once: {@link io.jipc.poll.Poller}.
 *
 * <p>Why a package of its own: a waiter over several objects is not part of any one
 * mechanism. It waits on anything that implements {@link io.jipc.Pollable} (pipe ends
 * today, message queues, whose {@code mqd_t} is a descriptor on Linux, tomorrow), so
 * it lives beside the mechanisms rather than in one of them, and {@code Pollable}
 * lives in {@code io.jipc} so that the mechanisms need not depend on this package.
 *
 * <p>Readiness is a hint about the moment {@code poll(2)} looked: an object reported
 * readable may be empty again by the time this process reads it, if another process
 * reads it too. Pair a poller with non-blocking or timed operations when several
 * processes share an object.
 */
package io.jipc.poll;
