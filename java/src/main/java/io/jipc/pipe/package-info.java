/**
 * Anonymous pipes ({@code pipe2}) whose ends are Java channels and plain descriptors that
 * can be handed to child processes.
 *
 * <p>{@link io.jipc.pipe.Pipe#open()} makes a pipe; its {@linkplain io.jipc.pipe.Pipe.ReadEnd read end}
 * and {@linkplain io.jipc.pipe.Pipe.WriteEnd write end} are distinct types, each able to
 * move bytes in one direction only. Bytes come out of the read end in the order they went
 * into the write end, each byte once. Unlike {@link java.nio.channels.Pipe}, whose ends
 * never leave the JVM, a jipc end exposes its descriptor so that
 * {@link io.jipc.process.Spawn#mapDescriptor(int, int)} can give it to a child, and a child
 * JVM can take an inherited end over with {@code ReadEnd.adopt(fd)} or
 * {@code WriteEnd.adopt(fd)}.
 *
 * <pre>{@code
 * try (Pipe toChild = Pipe.open()) {
 *     try (ChildProcess sort = Spawn.command("sort").mapDescriptor(0, toChild.readEnd().fd()).start()) {
 *         toChild.readEnd().close();              // the child holds its own copy now
 *         toChild.writeEnd().write(ByteBuffer.wrap("b\na\n".getBytes()));
 *         toChild.writeEnd().close();             // end of stream for sort
 *         sort.waitFor();
 *     }
 * }
 * }</pre>
 *
 * <h2 id="modes">Blocking, non-blocking and timed operations</h2>
 *
 * <p>Every end is in <em>blocking mode</em> when it is made, and
 * {@link io.jipc.pipe.Pipe.End#configureBlocking(boolean)} switches it. The mode decides
 * what the plain {@code read} and {@code write} methods do when the pipe cannot serve them
 * at once; the methods that take a {@link java.time.Duration} are timed in either mode.
 *
 * <dl>
 * <dt id="blocking">Blocking</dt>
 * <dd>A read waits until at least one byte is in the pipe, or until
 * <a href="#eof">end of stream</a>, then returns what one {@code read(2)} delivers: between
 * one byte and the space left in the destination, never 0 (unless the destination has no
 * space left). A write waits as long as the reader takes to make room and returns only when
 * <em>every</em> remaining byte of the source has been written, in one or several
 * {@code write(2)} calls. Ends are {@link java.nio.channels.InterruptibleChannel}s: a
 * thread interrupted while it waits closes the end and gets
 * {@link java.nio.channels.ClosedByInterruptException} (its interrupt flag stays set), and
 * closing the end from another thread ends the wait (see <a href="#closing">Closing</a>).
 * The wait is a {@code poll(2)}, never a blocking {@code read(2)} or {@code write(2)} (so a
 * blocking write goes in pieces of {@link io.jipc.pipe.Pipe#ATOMIC_WRITE_BYTES} bytes,
 * each after poll reported room); a virtual thread parks while it waits.</dd>
 * <dt id="non-blocking">Non-blocking</dt>
 * <dd>A read returns at once: the number of bytes read, 0 if the pipe is empty but a write
 * end is still open somewhere, or -1 at end of stream. A write returns at once with the
 * number of bytes the pipe took, 0 if it had no room. A write of at most
 * {@link io.jipc.pipe.Pipe#ATOMIC_WRITE_BYTES} bytes is all or nothing; a larger one may be
 * partial.</dd>
 * <dt id="timed">Timed</dt>
 * <dd>The {@code read(…, Duration)} and {@code write(…, Duration)} forms wait at most the
 * given time for the pipe to become ready ({@code poll(2)}), then transfer as a
 * non-blocking operation would, again until the time is up. A timed read returns 0 if
 * nothing arrived in time; a timed write returns the number of bytes written before the
 * time was up (0 if none), so the rest of the source is still in it.
 * {@link java.time.Duration#ZERO} (or a negative duration) means: try once, do not wait.
 * A timed operation waits <em>at least</em> its timeout before it returns 0, rounded up to
 * the millisecond that {@code poll(2)} counts in; how much longer depends on the
 * scheduler.
 * <br>On an end in blocking mode, a timed write hands the kernel at most
 * {@code ATOMIC_WRITE_BYTES} per call, the amount {@code poll(2)} promises will fit
 * without blocking; switch the end to non-blocking mode for fast timed bulk writes. If
 * another process reads (or writes) the same pipe, it can take the bytes (or the room)
 * {@code poll(2)} announced before this process uses them: in blocking mode the timed
 * operation then waits like a blocking one (a pipe shared by several readers or writers
 * is not something jipc arbitrates); in non-blocking mode it keeps polling until its time
 * is up.</dd>
 * </dl>
 *
 * <p>The mode is the {@code O_NONBLOCK} flag of the <em>open file description</em>, which
 * is shared by every copy of the descriptor, including a child's copy made by
 * {@code Spawn.mapDescriptor}. Hand ends to children in blocking mode (most programs
 * expect it of their standard input and output), and do not change the mode of an end
 * while a child holds a copy of it.
 *
 * <h2 id="eof">End of stream and broken pipes</h2>
 *
 * <p>A read returns -1 only when the pipe is empty and <em>every</em> copy of its write end,
 * in every process, is closed. A parent that hands the write end to a child must therefore
 * close its own copy, or it will never see end of stream. A write when every copy of the
 * read end is closed fails with an {@link io.jipc.IpcException} whose reason is
 * {@link io.jipc.IpcException.Reason#BROKEN_PIPE} ({@code EPIPE}); bytes still in the pipe
 * at that point are lost. The JVM is not killed by the {@code SIGPIPE} that comes with it:
 * HotSpot handles that signal and ignores it, so the write sees {@code EPIPE}.
 *
 * <h2 id="visibility">What a reader sees</h2>
 *
 * <p>The kernel copies the bytes: everything a {@code write} put into the pipe before it
 * returned is visible, byte for byte, to the reader whose {@code read} takes it, in any
 * process, and the writer may reuse its buffer as soon as {@code write} returns. Writes of
 * at most {@link io.jipc.pipe.Pipe#ATOMIC_WRITE_BYTES} bytes are atomic: when several
 * processes write to one pipe, such a write is never interleaved with another's bytes;
 * larger writes may be. A read may return fewer bytes than one write put in, or bytes of
 * several writes: a pipe carries a stream, not messages. Nothing is promised about other
 * memory: a pipe transfer is not a release/acquire pair in the Java memory model, so data in
 * shared memory is published with the access modes described in {@code io.jipc.shm}, not by
 * a pipe write.
 *
 * <h2 id="capacity">Capacity</h2>
 *
 * <p>On Linux a new pipe holds 64 KiB, which is not promised; {@code capacity()} reports it
 * and {@code capacity(int)} changes it ({@code F_SETPIPE_SZ}): the kernel rounds the request
 * up to a power of two pages, and an unprivileged process cannot go above
 * {@code /proc/sys/fs/pipe-max-size}.
 *
 * <h2 id="closing">Closing, threads and descriptors</h2>
 *
 * <p>Ends are thread-safe. On one end, one read (or write) is in progress at a time; others
 * wait their turn. {@code close()} may be called from any thread at any time and is
 * idempotent. From then on every operation throws
 * {@link java.nio.channels.ClosedChannelException}, as the {@link java.nio.channels.Channel}
 * contract says (and {@code fd()} throws {@link IllegalStateException}). An operation that
 * is waiting when another thread closes its end wakes and throws
 * {@link java.nio.channels.AsynchronousCloseException} (a write that already wrote part of
 * its source returns that count instead). Until the last operation has returned, the
 * descriptor stays open, so its number cannot be reused under it. (One race remains: if a
 * process sharing the pipe takes the data between this end's poll and its read, a
 * blocking-mode read waits in the kernel for the next byte.)
 *
 * <p>Both ends are close-on-exec: a child gets one only through {@code Spawn.mapDescriptor},
 * which leaves this process's copy open. Direct buffers and native segments are handed to
 * the kernel as they are; heap buffers and heap segments go through a 64 KiB native buffer
 * that each end allocates on first use and frees when it is closed, at the cost of one copy
 * (and of one system call per 64 KiB).
 *
 * <p>{@link java.nio.channels.Channels#newInputStream} and
 * {@link java.nio.channels.Channels#newOutputStream} work on ends in blocking mode; in
 * non-blocking mode the stream contracts (block for at least one byte; write everything)
 * cannot hold.
 */
package io.jipc.pipe;
