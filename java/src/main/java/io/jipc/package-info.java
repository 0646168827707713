/**
 * What every jipc package shares: the one checked exception, {@link io.jipc.IpcException},
 * which reads like the C call that failed and carries its errno and an actionable
 * {@link io.jipc.IpcException.Reason}; {@link io.jipc.Pollable}, the objects a
 * {@link io.jipc.poll.Poller} can wait on; and {@link io.jipc.WaitStrategy}, how a blocking
 * call waits (spin, yield, then sleep on the futex or descriptor).
 *
 * <p>The mechanisms live in one package each: {@link io.jipc.shm} (shared memory),
 * {@link io.jipc.sync} (locks and semaphores), {@link io.jipc.pipe}, {@link io.jipc.mq},
 * {@link io.jipc.poll}, {@link io.jipc.ring} (rings in shared memory),
 * {@link io.jipc.channel} (one message API over all of them and sockets) and
 * {@link io.jipc.process} (fork-safe spawning).
 *
 * <p>Expected outcomes are results, not exceptions: a full queue makes {@code trySend}
 * return {@code false}, an empty one makes {@code tryReceive} return an empty
 * {@link java.util.Optional}. Misuse, such as using an object after {@code close()}, is
 * {@link java.lang.IllegalStateException}.
 */
package io.jipc;
