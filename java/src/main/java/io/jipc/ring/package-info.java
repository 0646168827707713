/**
 * Zero-copy ring buffers between processes, in shared memory: {@link io.jipc.ring.SpscRing}
 * (one producer, one consumer) and {@link io.jipc.ring.MpscRing} (many producers, one
 * consumer). A producer claims space, writes its message in place and commits it; the
 * consumer reads it in place. Nothing is copied and, while neither side has to wait, no
 * system call is made.
 *
 * <p>A ring is a view over a region of a {@link io.jipc.shm.SharedMemory} segment that it
 * does not own. One process {@code create}s it (initialising the header), the others
 * {@code attach}. When the segment's owner is closed, every operation of the ring throws
 * {@link java.lang.IllegalStateException}. The bytes are laid out as
 * {@link io.jipc.ring.RingDescriptor} and {@link io.jipc.ring.RecordDescriptor} say, and
 * {@code native/jipc_ring.h} lets C processes take either side.
 *
 * <h2 id="modes">Blocking modes</h2>
 * Each way to produce or consume exists in three modes, named the same way throughout:
 * <ul>
 *   <li><b>Non-blocking</b> ({@code tryClaim}, {@code offer}, {@code poll}): returns at once;
 *   "no room" ({@code null}, {@code false}) and "nothing there" ({@code 0}) are results,
 *   never exceptions.</li>
 *   <li><b>Blocking</b> ({@code claim}, {@code put}, {@code read}): waits as long as it
 *   takes. Not interruptible: use the timed form to stay responsive.</li>
 *   <li><b>Timed</b> (the same names with a {@link java.time.Duration}): waits at most
 *   about that long, then returns the non-blocking form's "nothing" result.</li>
 * </ul>
 * A wait spins, yields, then sleeps in the kernel on a futex, as the ring handle's
 * {@link io.jipc.WaitStrategy} says (given to {@code create} or {@code attach}; by default
 * {@link io.jipc.WaitStrategy#spinThenSleep()}), so a long wait costs about no CPU; the
 * other side issues a wake-up call only when someone sleeps. A virtual thread that must
 * sleep parks instead of pinning its carrier.
 *
 * <h2>Crashes</h2>
 * A claimed record carries its producer's pid. A record left claimed by a producer that
 * died (killed between claim and commit) is found by the consumer, which turns it into
 * padding, goes on, and counts it ({@code deadProducerRecordsSkipped}). An MPSC producer
 * killed while reserving holds the ring's reservation lock, which names its process too:
 * the next producer (or the consumer) that needs it finds the holder dead and takes it
 * over, so neither the consumer nor the other producers wait for it for long. A creator that
 * died while initialising is reported to attachers as
 * {@link io.jipc.IpcException.Reason#CREATOR_DIED}. All processes that share a ring must
 * share a pid namespace.
 */
package io.jipc.ring;
