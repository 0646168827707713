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
 * <p>All three start with the same try, {@code mq_timedsend}/{@code mq_timedreceive} on
 * a descriptor jipc opens {@code O_NONBLOCK} (its own, shared with no other process), which
 * answers at once. Only when the queue is full (empty) and the call may wait does the thread
 * sleep, in {@code poll} on the queue descriptor and a wake-up pipe that {@code close()} and
 * interrupts signal, and then try again. So the mode belongs to the call, not to the
 * descriptor, and threads using different modes on one queue cannot disturb each other.
 *
 * <p><b>Clock.</b> The kernel never sleeps on a queue deadline for jipc, so the wall clock
 * ({@code CLOCK_REALTIME}, which POSIX gives those deadlines) plays no part: a timed call's
 * timeout is measured on the monotonic clock and fixed when the call begins, and a signal that
 * interrupts a wait ({@code EINTR}) only shortens one sleep.
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
