/**
 * Message channels over <a href="https://github.com/aeron-io/aeron">Aeron</a>: reliable UDP
 * unicast and multicast, and Aeron's own shared-memory log, behind the same
 * {@link io.jipc.channel.MessageChannel} API as jipc's built-in transports. Put this module
 * (artifact {@code io.jipc:jipc-aeron}) on the class or module path and
 * {@link io.jipc.channel.Channels} serves {@code aeron:} addresses; nothing else changes.
 *
 * <pre>{@code
 * // the subscriber, on host A
 * try (MessageChannel in = Channels.bind("aeron:udp?endpoint=10.0.0.1:40123")) { ... in.receive(buffer) ... }
 * // a publisher, on host B
 * try (MessageChannel out = Channels.connect("aeron:udp?endpoint=10.0.0.1:40123")) { out.send(bytes); }
 * }</pre>
 *
 * <h2 id="addresses">Addresses</h2>
 *
 * <p>Aeron's own channel URIs, so that its users recognise them; every Aeron parameter is
 * passed on to Aeron:
 * <ul>
 *   <li>{@code aeron:udp?endpoint=host:port}: unicast. {@code bind} subscribes on that
 *       address (port 0 picks a free one, which {@code address()} then names),
 *       {@code connect} publishes to it.</li>
 *   <li>{@code aeron:udp?endpoint=224.0.1.1:port|interface=address}: multicast. Any number of
 *       bound ends, in any number of processes and hosts, each receive every message of a
 *       publisher.</li>
 *   <li>{@code aeron:ipc}: Aeron's shared-memory log, through one media driver; between
 *       processes they must share a driver (see {@link io.jipc.aeron.EmbeddedDriver}).</li>
 * </ul>
 * The stream id is {@code |stream-id=N} in the address or
 * {@link io.jipc.aeron.AeronOptions#streamId(int)} (default 1). A bound end's
 * {@code address()} names its stream id and its maximum message size
 * ({@code |jipc-max-message=N}, which jipc removes before Aeron sees the channel), so a
 * connecting end given that address adopts the same maximum, as on every transport. Aeron's
 * settings that jipc's options have no field for live in {@link io.jipc.aeron.AeronOptions},
 * carried by {@code ChannelOptions.with(…)}.
 *
 * <h2 id="contract">The channel contract, and where Aeron differs</h2>
 *
 * <ul>
 *   <li><b>Direction</b>: one way, as {@code shm:} and {@code mq:}: the bound end is a
 *       subscription and receives, a connected end is a publication and sends.</li>
 *   <li><b>Sizes</b>: a message longer than a frame (the MTU, 1408 bytes by default) is
 *       fragmented by Aeron and reassembled here; a receive hands over whole messages only.
 *       The maximum is at most 16 MiB, Aeron's limit; the publication's term is sized so that
 *       the maximum fits (at least 8 × the maximum, at least 64 KiB), unless the address sets
 *       {@code term-length}, which must then be long enough. {@code capacity} is not used:
 *       the room is half a term ahead of what the subscriber has taken, plus the receiver
 *       window on the network.</li>
 *   <li><b>No room</b>: {@code trySend} returns {@code false} on back-pressure <em>and while
 *       no subscriber is connected</em> (an Aeron publication takes nothing then); {@code send}
 *       waits for either to change. A connection takes a moment after {@code connect} returns,
 *       so a first {@code trySend} may be refused.</li>
 *   <li><b>End of channel, sending end</b>: once a subscriber was connected and none is any
 *       more (all closed, or silent longer than the liveness timeout), sends throw
 *       {@link io.jipc.channel.ChannelClosedException}.</li>
 *   <li><b>End of channel, bound end</b>: as a bound socket end, it never ends: publishers come
 *       and go. A publisher that closes is silent: everything it sent is received. A publisher
 *       whose image goes <em>without</em> closing (its process died, or it was cut off longer
 *       than the driver's image liveness timeout, 10 s by default,
 *       {@link io.jipc.aeron.AeronOptions#livenessTimeout(java.time.Duration)} for the
 *       embedded driver) makes exactly one receive throw
 *       {@link io.jipc.channel.ChannelClosedException} once nothing else is to be received;
 *       the receives after it wait for publishers again, and one that starts on the same
 *       address resumes the stream.</li>
 *   <li><b>A subscriber that joins late</b> (a second multicast subscriber, a subscriber bound
 *       after the publisher connected) receives from the moment it joined, never what was
 *       sent before: Aeron keeps no history for late joiners (Aeron Archive does).</li>
 *   <li><b>What a dead publisher sent</b>: a send returns once the message is in the
 *       publication's log. With a standalone driver, the driver sends it even if the
 *       publishing process dies; with this JVM's embedded driver, what it had not yet sent
 *       dies with the JVM. An orderly close waits up to one second for the embedded driver to
 *       send everything.</li>
 *   <li><b>Closing</b>: wakes blocked calls within a millisecond or so (waits poll Aeron's
 *       buffers with a back-off of at most 1 ms); interrupts do not end waits.</li>
 * </ul>
 *
 * <h2 id="waiting">Waiting: the channel's {@link io.jipc.WaitStrategy}</h2>
 *
 * <p>{@link io.jipc.channel.ChannelOptions#waitStrategy(io.jipc.WaitStrategy)} decides two
 * things. First, how this channel's {@code send} and {@code receive} wait for Aeron's buffers,
 * which have no futex to sleep on: {@code busySpin()} spins and never parks (Agrona's
 * {@code BusySpinIdleStrategy}); {@code yielding(spins)} spins, then yields, never parks;
 * {@code spinThenSleep(spins, yields)} (the default) spins, yields, then parks for 1 µs
 * doubling up to 1 ms (Agrona's {@code BackoffIdleStrategy} with those counts), the bound that
 * stands in for "until woken". Second, the threads of the JVM's embedded media driver, if this
 * channel starts it: busy spin gives conductor, sender and receiver a dedicated busy-spinning
 * thread each (three cores, Aeron's low-latency layout); the other two one shared thread with
 * the same spins, yields and parks as above. The driver keeps the threads of the channel that
 * started it for as long as it runs, whatever later channels ask; a standalone driver keeps its
 * own. The table is in {@link io.jipc.aeron.EmbeddedDriver}.
 *
 * <h2 id="flags">JVM flags</h2>
 *
 * <p>Aeron's Agrona 2 uses {@code jdk.internal.misc.Unsafe}: every JVM that runs this module
 * needs {@code --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED} (on the module path:
 * {@code =org.agrona}). The core module io.jipc needs only its usual
 * {@code --enable-native-access}.
 */
package io.jipc.aeron;
