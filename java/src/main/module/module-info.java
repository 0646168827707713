/**
 * jipc: Linux inter-process communication for Java, on the Foreign Function and
 * Memory API. One package per mechanism; io.jipc.posix is internal and is the only
 * code that calls the generated bindings.
 */
module io.jipc {
    requires jdk.net;

    exports io.jipc;
    exports io.jipc.shm;
    exports io.jipc.sync;
    exports io.jipc.mq;
    exports io.jipc.process;
    exports io.jipc.pipe;
    exports io.jipc.poll;
    exports io.jipc.ring;
    exports io.jipc.channel;
    exports io.jipc.channel.spi;

    uses io.jipc.channel.spi.ChannelProvider;
}
