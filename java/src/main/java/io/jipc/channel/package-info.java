/**
 * Message channels: one API for sending and receiving whole messages over shared-memory
 * rings, POSIX message queues, pipes, Unix domain sockets and TCP, between threads, processes
 * and machines.
 *
 * <pre>{@code
 * // the receiving process
 * try (MessageChannel orders = Channels.bind("unix:/run/app/orders.sock");
 *      Arena arena = Arena.ofConfined()) {
 *     MemorySegment buffer = arena.allocate(orders.maxMessageSize());
 *     while (true) {
 *         int n = orders.receive(buffer);          // from any connected sender
 *         handle(buffer.asSlice(0, n));
 *     }
 * }
 *
 * // a sending process
 * try (MessageChannel orders = Channels.connect("unix:/run/app/orders.sock")) {
 *     orders.send("one order".getBytes(UTF_8));
 * }
 * }</pre>
 *
 * <p>Changing {@code unix:/run/app/orders.sock} into {@code shm:/orders}, {@code mq:/orders} or
 * {@code tcp://:7000} changes the transport and nothing else; what differs between
 * transports is stated below, in one table and a few named exceptions.
 *
 * <h2 id="addresses">Addresses and transports</h2>
 *
 * <table class="striped">
 * <caption>What each address means</caption>
 * <thead><tr><th scope="col">Address</th><th scope="col">{@code bind}</th><th scope="col">{@code connect}</th>
 *   <th scope="col">Peers of a bound end</th><th scope="col">Options used</th></tr></thead>
 * <tbody>
 * <tr><th scope="row">{@code shm:/name}</th>
 *   <td>creates the POSIX shared-memory object {@code /name} (mode 0600), fails if it exists,
 *     and an {@link io.jipc.ring.MpscRing} in it; receives</td>
 *   <td>opens it and attaches to the ring; sends</td>
 *   <td>any number of senders in any number of processes (each a producer of the ring), in
 *     the order their room was claimed; no connection, so no end of channel</td>
 *   <td>{@code maxMessageSize}, {@code capacity}, {@code connectTimeout}, {@code permissions}</td></tr>
 * <tr><th scope="row">{@code mq:/name}</th>
 *   <td>creates the POSIX message queue {@code /name} (mode 0600), fails if it exists; receives</td>
 *   <td>opens it; sends</td>
 *   <td>any number of senders, FIFO across them; no connection, so no end of channel</td>
 *   <td>{@code maxMessageSize}, {@code capacity}, {@code permissions}</td></tr>
 * <tr><th scope="row">{@code unix:/path}</th>
 *   <td>listens on a socket file created with mode 0600 (one left by a dead listener is replaced;
 *     any other file is left alone), removed again on close</td>
 *   <td>connects</td>
 *   <td>any number of connections, received from fairly; replies go to the last sender</td>
 *   <td>{@code maxMessageSize}, {@code connectTimeout}, {@code permissions}</td></tr>
 * <tr><th scope="row">{@code tcp://host:port}</th>
 *   <td>listens; {@code tcp://:port} on <b>loopback only</b>; port 0 picks a free port
 *     ({@link io.jipc.channel.MessageChannel#address()} tells which)</td>
 *   <td>connects ({@code TCP_NODELAY}); {@code tcp://:port} is loopback</td>
 *   <td>as {@code unix:}</td>
 *   <td>{@code maxMessageSize}, {@code connectTimeout}</td></tr>
 * <tr><th scope="row">{@code pipe:read=R,write=W}</th>
 *   <td>not possible: a pipe has no name; {@link io.jipc.channel.Channels#pipe(ChannelOptions)} makes
 *     both ends</td>
 *   <td>takes over the far end of a pipe pair that a parent mapped to descriptors R and W</td>
 *   <td>exactly one peer, the other end</td>
 *   <td>{@code maxMessageSize}, {@code connectTimeout}</td></tr>
 * </tbody>
 * </table>
 *
 * <p>Not offered: {@code unix:@name} (the abstract socket namespace) because the JDK cannot bind
 * there and such a socket has no permissions, so any process in the network namespace could
 * connect.
 *
 * <p><b>Sizes of a shared-memory ring.</b> The ring is sized at bind: it holds at least
 * {@code capacity} messages of {@code maxMessageSize} bytes (unset: 8), each taking 8 bytes
 * of record header more, rounded up to a multiple of 8; its byte size is then rounded up to a
 * power of two (as a ring's must be), so it may hold up to twice as many, and many more short
 * messages. The channel's maximum is {@code maxMessageSize} exactly (the ring's own largest
 * message, an eighth of its size, is never below it); a ring is at most 1 GiB, and sizes
 * that would need more are an {@link java.lang.IllegalArgumentException}. A connecting end
 * requires at least the sizes its options name, counting {@code capacity} the same way.
 *
 * <p><b>Remote peers are an explicit choice.</b> A {@code tcp://:port} listener is reachable
 * from this machine only. To accept other machines, name the address to listen on: an
 * interface's address, or {@code tcp://0.0.0.0:port} for all of them. The stream transports
 * speak a small framed protocol (see <a href="#wire">Wire format</a>) in which the listener
 * states its maximum message size first; a peer that announces a longer message is cut off
 * before a byte of it is buffered, so a remote peer cannot make this process allocate more
 * than one maximum-size message per connection.
 *
 * <h2 id="direction">Direction</h2>
 *
 * <p>Every transport carries messages from the connecting end to the binding end: a channel
 * from {@code connect} can send, one from {@code bind} can receive. That is the direction to
 * rely on in code meant for any transport. Stream transports ({@code unix:}, {@code tcp:},
 * {@code pipe:}) also carry the other way: a connected end can receive, and a bound end can
 * send a <em>reply</em>, which goes to the peer whose message it received last (as a
 * request/reply socket does); before it has received anything, a bound end's send throws
 * {@link java.lang.IllegalStateException}. A message queue and a shared-memory ring are
 * one-way: their bound end cannot send and their connected ends cannot receive
 * ({@link java.lang.UnsupportedOperationException};
 * {@link io.jipc.channel.MessageChannel#canSend()} and {@code canReceive()} say so in advance).
 * Two of them, each bound by its receiver, make a two-way pair.
 *
 * <h2 id="modes">Blocking, non-blocking and timed operations</h2>
 *
 * <p>Every send and receive exists in three modes, and the first sentence of each method's
 * documentation names its mode, as everywhere in jipc:
 * <ul>
 *   <li><b>Blocking</b> ({@code send}, {@code receive}): waits as long as the transport has no
 *       room (send) or no message (receive), then sends or receives, or throws for a failure.
 *       {@link java.lang.Thread#interrupt()} does not end the wait: the interrupt status is
 *       kept and is still set when the call returns. A thread that must be stoppable uses the
 *       timed mode in a loop, or another thread closes the channel.</li>
 *   <li><b>Non-blocking</b> ({@code trySend}, {@code tryReceive}): never waits. No room or no
 *       message is an ordinary result: {@code false}, or
 *       {@link io.jipc.channel.MessageChannel#NOTHING}.</li>
 *   <li><b>Timed</b> (the overloads taking a {@link java.time.Duration}): waits at most the
 *       timeout, then returns the non-blocking form's "nothing now" result. A zero or negative
 *       timeout behaves exactly like the non-blocking form. The wait lasts at least the
 *       timeout, rounded up to the millisecond for the socket transports, and may be longer on
 *       a busy machine.</li>
 * </ul>
 *
 * <p>On the stream transports a message is all or nothing, even though the stream below is
 * not: a non-blocking or timed send that finds room for only part of a message counts the
 * message as sent, keeps the rest (in a buffer the channel owns, so the caller's may be reused)
 * and writes it before anything else, in the next send, while a receive waits, or on close
 * (for up to one second; a peer that takes nothing in that time sees a broken message, never
 * half a message). {@code false} always means nothing of the message left.
 *
 * <h2 id="messages">Messages</h2>
 *
 * <p>A message is a sequence of 0 to {@link io.jipc.channel.MessageChannel#maxMessageSize()}
 * bytes, and comes out as it went in: one send, one receive, the same bytes, never merged
 * with another or split. Messages from one sender arrive in the order they were sent; messages
 * from different senders to one bound end are interleaved in some order (arrival for a queue,
 * the order room was claimed in for a ring, fair turns between connections for a listener).
 * The maximum is fixed when the bound end (or a pipe pair) is made; connecting ends adopt it.
 *
 * <p>A receive into a caller's segment needs room for a maximum message. The
 * {@link io.jipc.channel.MessageHandler} form hands the message over where it lies instead
 * (the transport's receive buffer; for {@code shm:}, the ring itself, so nothing is copied
 * between the sender's buffer and the handler but the one copy into the ring), read-only
 * and for the duration of the call; a ring's room is released after the handler returns.
 *
 * <p>Memory visibility: everything a sender did before its send of a message happens-before
 * everything the receiver does after the receive that returns that message, in this process
 * (the channel's locks and the kernel's ordering of the transfer) and, for the bytes of the
 * message, across processes and machines. Other shared memory is not published by a channel
 * across processes: use the access modes of {@code io.jipc.shm} for it.
 *
 * <h2 id="end">End of channel and failures</h2>
 *
 * <dl>
 * <dt>Orderly end</dt>
 * <dd>When the peer of a connected end ({@code unix:}, {@code tcp:}, either end of a pipe
 *   pair) closes, every message it sent is still received, and then each receive throws
 *   {@link io.jipc.channel.ChannelClosedException}; a receive that was waiting throws it at
 *   once. A send to a peer that is gone throws it too. A bound end never reaches end of
 *   channel: peers come and go, and its receive waits for the next one.</dd>
 * <dt>A peer dies (killed, crashed)</dt>
 * <dd>Streams: if it died between messages, this is the orderly end. If it died in the middle
 *   of a message, the part that arrived is discarded and one receive throws an
 *   {@link io.jipc.IpcException} with reason {@code BROKEN_PIPE} that says how far the message
 *   got; on a connected end, the receives after that throw {@code ChannelClosedException}; on
 *   a bound end only that connection is dropped and the others go on. Message queues: the
 *   kernel holds whole messages only, so what a dead sender sent is received in full and
 *   nothing of a message in progress is; a dead receiver leaves its queue behind (queues live
 *   in the kernel until removed, see {@link io.jipc.mq.MessageQueue#unlink(String)}).
 *   Shared-memory rings: likewise, every message a dead sender committed is received; room it
 *   had claimed but not committed is skipped by the receiver once it sees the claimer's
 *   process gone (see {@link io.jipc.ring.Ring#poll}); a dead receiver leaves the object in
 *   {@code /dev/shm} (remove it with {@link io.jipc.shm.SharedMemory#unlink(String)} or
 *   {@code jipc rm}), and a sender learns of its death only when a send waits for room.</dd>
 * <dt>A peer breaks the protocol</dt>
 * <dd>A hello that is not jipc's or of another version, a message announced longer than the
 *   maximum: that connection is dropped, and one receive reports it with an
 *   {@code IpcException} ({@code INCOMPATIBLE_LAYOUT}, {@code INVALID_ARGUMENT}) naming the
 *   peer; nothing of the refused message is delivered or even buffered.</dd>
 * <dt>The receiver of a message queue closes</dt>
 * <dd>Its queue is removed. A send that waits for room notices within 50 ms and throws
 *   {@code ChannelClosedException}; a send that finds room does not notice (a queue has no
 *   connection) and its message is lost with the queue. Use a socket transport where a
 *   sender must learn of every lost message.</dd>
 * <dt>The receiver of a shared-memory channel closes</dt>
 * <dd>It marks the channel closed in the header of the shared memory (see below), then
 *   removes the name. Every later send of every sender throws {@code ChannelClosedException}
 *   (it reads the mark first), and so does a send that waits for room, within 50 ms. What a
 *   sender cannot learn: whether the messages it sent before were received (a send returns
 *   once its message is in the ring, and what the receiver had not taken when it closed is
 *   lost with the ring), nor about a close that comes between its check and its commit
 *   (that one message is lost too). A receiver that dies without closing leaves no mark:
 *   its senders go on filling the ring, and a send that then waits for room sees the
 *   receiver's process gone (the header names it) and throws {@code ChannelClosedException}.
 *   Connecting to a closed channel fails with {@code DOES_NOT_EXIST}.</dd>
 * </dl>
 *
 * <h2 id="closing">Closing and threads</h2>
 *
 * <p>Channels are thread-safe. On one end, receives take turns, and so do sends (on a bound
 * socket end: sends to one peer), so messages are never interleaved; a send and a receive may
 * proceed at the same time. {@code close()} may be called from any thread at any time; it is
 * idempotent and does not wait for other threads (it may spend up to a second writing a held
 * tail, see <a href="#modes">above</a>). Operations blocked in the channel at that moment end with
 * {@link java.nio.channels.AsynchronousCloseException}: at once on the socket transports,
 * within 50 ms on rings, queues and pipes, whose waits are cut into slices for this. Every later
 * operation throws {@link java.lang.IllegalStateException}. The descriptors and mappings are
 * released, and a bound end's shared-memory object, queue or socket file removed, when the
 * last operation has left.
 *
 * <p>A bound socket end ({@code unix:}, {@code tcp:}) runs one virtual thread that accepts
 * connections and writes each its hello at once, so a peer's {@code connect} completes
 * whether or not this end is receiving at that moment (and a thread may bind, then connect to
 * itself). Reading, framing and fair turns happen inside receive calls. The thread ends when
 * the channel is released.
 *
 * <p>Everything a channel opens is close-on-exec (a shared-memory channel keeps no descriptor:
 * it maps the object and closes it at once). The far end of a
 * {@link io.jipc.channel.ChannelPair} is the one thing meant for a child, through
 * {@link io.jipc.process.Spawn#mapDescriptor(int, int)}.
 *
 * <h2 id="wire">Wire format of the stream transports</h2>
 *
 * <p>Big-endian throughout. Each side first writes a 12-byte hello: the magic
 * {@code 0x4A495043} ("JIPC"), the protocol version (1), and a maximum message size (the
 * bound end's or pipe creator's maximum; a connecting end writes the least it requires, or 0).
 * Then each message is a 4-byte length, its sign bit 0, followed by that many bytes. A peer
 * written in another language needs nothing more.
 *
 * <h2 id="shm-layout">Layout of a shared-memory channel</h2>
 *
 * <p>Little-endian. The object starts with a 128-byte channel header: the magic
 * {@code "JIPCSHMC"} (64 bits), the layout version (1, 32 bits), the state (32 bits: 0 while
 * the binder makes the channel, 1 open, 2 closed; the binder release-stores 1 after
 * everything else and stores 2 on close), the maximum message size (32 bits), the binder's
 * pid (32 bits) and start time (64 bits, see {@link io.jipc.process.ProcessIdentity}), and a
 * random incarnation number (64 bits); the rest is zero. At byte 128 follows an MPSC ring as
 * {@link io.jipc.ring.RingDescriptor} describes it ({@code native/jipc_ring.h} in C); each
 * message is one record of type 0. A sender reads the state before each send.
 *
 * @see io.jipc.channel.MessageChannel
 * @see io.jipc.channel.Channels
 */
package io.jipc.channel;

