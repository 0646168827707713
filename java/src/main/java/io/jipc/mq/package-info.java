/**
 * POSIX message queues: {@link io.jipc.mq.MessageQueue}.
 *
 * <h2 id="modes">Blocking, non-blocking and timed operations</h2>
 *
 * <p>Every send and receive exists in three modes, and the first sentence of each method's
 * documentation names its mode:
 * <ul>
 *   <li><b>Blocking</b> ({@code send}, {@code receive}): waits as long as it takes, while the
 *       queue is full (send) or empty (receive). It returns only when it has sent or received,
 *       or throws for a real failure. The wait is in the kernel and costs no CPU, but
 *       {@link java.lang.Thread#interrupt()} does not end it: a thread that must be stoppable
 *       uses the timed mode in a loop, or is woken with a message. Called from a virtual
 *       thread, the wait also holds its carrier thread, as any native call does.</li>
 *   <li><b>Non-blocking</b> ({@code trySend}, {@code tryReceive}): never waits. A full or
 *       empty queue is an ordinary result, not an exception: {@code false}, an empty
 *       {@link java.util.Optional}, or {@link io.jipc.mq.Received#NOTHING}.</li>
 *   <li><b>Timed</b> (the overloads taking a {@link java.time.Duration}): waits at most the
 *       timeout, then returns the same "nothing now" result as the non-blocking form. A zero
 *       or negative timeout behaves exactly like the non-blocking form. The wait is at least
 *       the timeout, give or take the kernel's timer slack, and may be longer on a busy
 *       machine.</li>
 * </ul>
 *
 * <p>All three use one call, {@code mq_timedsend}/{@code mq_timedreceive}, on a descriptor
 * that always stays in blocking mode: no deadline for blocking, a deadline already past for
 * non-blocking, now + timeout for timed. So the mode belongs to the call, not to the
 * descriptor, and threads using different modes on one queue cannot disturb each other (as
 * they would if one of them toggled {@code O_NONBLOCK}).
 *
 * <p><b>Clock.</b> POSIX gives these calls an absolute deadline on {@code CLOCK_REALTIME},
 * the wall clock, which can be set. jipc measures the timeout on the monotonic clock and
 * converts it to a wall-clock deadline just before each call; if the wall clock jumps forward
 * and the kernel reports a time-out early, the call waits again for what is left. A jump
 * backwards during a wait can still lengthen it by the size of the jump. A signal that
 * interrupts a wait ({@code EINTR}) is absorbed the same way, with the remaining time.
 *
 * <h2>Receiving without allocating</h2>
 *
 * <p>{@code receive()} returns a new {@link io.jipc.mq.Message}. For hot loops,
 * {@code receive(MemorySegment)} and its {@code try}/timed forms fill a buffer the caller
 * owns and return length and priority packed in a {@code long} (read with
 * {@link io.jipc.mq.Received}); with a native segment nothing is allocated and nothing
 * copied. Sends from native segments or direct buffers are likewise passed to the kernel as
 * they are; arrays and heap buffers are copied once into a per-thread native buffer.
 *
 * <h2>Readiness</h2>
 *
 * <p>On Linux a queue descriptor is a file descriptor: {@link io.jipc.mq.MessageQueue#fd()}
 * can be polled for readable (a message is waiting) and writable (there is room).
 */
package io.jipc.mq;
