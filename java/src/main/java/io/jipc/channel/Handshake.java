package io.jipc.channel;

import io.jipc.IpcException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

import static io.jipc.channel.AbstractChannel.left;
import static io.jipc.channel.FrameDescriptor.FLAG_PROOF;
import static io.jipc.channel.FrameDescriptor.HELLO_LENGTH;
import static io.jipc.channel.FrameDescriptor.NONCE_LENGTH;
import static io.jipc.channel.FrameDescriptor.PROOF_LENGTH;

/**
 * The hello exchange of {@link FrameDescriptor}, both sides: the sizes each side takes, and,
 * with a shared secret, the challenge-response that proves each side knows it. A peer's
 * announcement is checked, never believed: the size of a connection is the lesser of the two.
 */
final class Handshake {
    private static final byte[] CLIENT_LABEL = "jipc client proof".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_LABEL = "jipc server proof".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {
    }

    /**
     * The connecting side, over a link that waits as it is told: sends this side's hello,
     * reads the binder's, proves and checks the secret if either side has one.
     *
     * @param ownMax the most this side takes
     * @return the connection's maximum message size: the lesser of both sides'
     */
    static int connect(ByteLink link, int ownMax, byte[] secret, long start, long budget, String who)
            throws IOException {
        byte[] nonce = secret == null ? null : nonce();
        ByteBuffer ours = ByteBuffer.allocate(HELLO_LENGTH);
        FrameDescriptor.putHello(ours, ownMax, 0, nonce);
        write(link, ours.flip(), start, budget, who, "hello");
        ByteBuffer theirs = ByteBuffer.allocate(HELLO_LENGTH);
        read(link, theirs, start, budget, who, "hello");
        String bad = FrameDescriptor.checkHello(theirs, 0);
        if (bad != null) {
            throw new IpcException("connect", who, bad, IpcException.Reason.INCOMPATIBLE_LAYOUT);
        }
        boolean proofAsked = (FrameDescriptor.helloFlags(theirs, 0) & FLAG_PROOF) != 0;
        if (proofAsked && secret == null) {
            throw new IpcException("connect", who, "the bound end accepts only peers that know its "
                    + "secret; set ChannelOptions.secret", IpcException.Reason.PERMISSION_DENIED);
        }
        if (secret != null) {
            if (!proofAsked) {
                throw new IpcException("connect", who, "this end has a secret but the bound end did not "
                        + "ask for proof of it: it may not be the service expected, so nothing was sent",
                        IpcException.Reason.PERMISSION_DENIED);
            }
            write(link, ByteBuffer.wrap(proof(secret, CLIENT_LABEL, theirs, ours)), start, budget, who, "proof");
            ByteBuffer answer = ByteBuffer.allocate(PROOF_LENGTH);
            read(link, answer, start, budget, who, "proof");
            if (!MessageDigest.isEqual(answer.array(), proof(secret, SERVER_LABEL, theirs, ours))) {
                throw new IpcException("connect", who, "the bound end's proof of the secret is wrong: "
                        + "it does not know the secret this end has", IpcException.Reason.PERMISSION_DENIED);
            }
        }
        return Math.min(ownMax, FrameDescriptor.helloMaxMessageSize(theirs, 0));
    }

    /**
     * The binding side, on a new blocking socket that the caller closes at {@code deadline}
     * (a {@link System#nanoTime()} value): greets, reads the peer's hello and, with a secret,
     * its proof, and answers with this side's.
     *
     * @return the connection's maximum message size: the lesser of both sides'
     * @throws IpcException naming what the peer got wrong; the caller drops it
     */
    static int accept(SocketChannel socket, int ownMax, byte[] secret, long deadline, String who)
            throws IOException {
        byte[] nonce = secret == null ? null : nonce();
        ByteBuffer ours = ByteBuffer.allocate(HELLO_LENGTH);
        FrameDescriptor.putHello(ours, ownMax, secret == null ? 0 : FLAG_PROOF, nonce);
        ours.flip();
        while (ours.hasRemaining()) {
            socket.write(ours); // 32 bytes into a new socket's empty buffer
        }
        ByteBuffer theirs = ByteBuffer.allocate(HELLO_LENGTH);
        readFully(socket, theirs, deadline, who, "hello");
        String bad = FrameDescriptor.checkHello(theirs, 0);
        if (bad != null) {
            throw new IpcException("accept", who, bad, IpcException.Reason.INCOMPATIBLE_LAYOUT);
        }
        if (secret != null) {
            ByteBuffer proof = ByteBuffer.allocate(PROOF_LENGTH);
            readFully(socket, proof, deadline, who, "proof of the secret");
            if (!MessageDigest.isEqual(proof.array(), proof(secret, CLIENT_LABEL, ours, theirs))) {
                throw new IpcException("accept", who, "the peer's proof of the secret is wrong",
                        IpcException.Reason.PERMISSION_DENIED);
            }
            ByteBuffer answer = ByteBuffer.wrap(proof(secret, SERVER_LABEL, ours, theirs));
            while (answer.hasRemaining()) {
                socket.write(answer);
            }
        }
        return Math.min(ownMax, FrameDescriptor.helloMaxMessageSize(theirs, 0));
    }

    /**
     * Reads {@code b} full from a blocking socket. A watchdog closes the socket at the
     * deadline, which ends the read with {@link AsynchronousCloseException}.
     */
    private static void readFully(SocketChannel socket, ByteBuffer b, long deadline, String who, String what)
            throws IOException {
        while (b.hasRemaining()) {
            int n;
            try {
                n = socket.read(b);
            } catch (AsynchronousCloseException e) {
                if (deadline - System.nanoTime() > 0) {
                    throw e;
                }
                IpcException late = new IpcException("accept", who, "no " + what + " from the peer in time ("
                        + b.position() + " of " + b.capacity() + " bytes came); connection closed",
                        IpcException.Reason.OTHER);
                late.initCause(e);
                throw late;
            }
            if (n < 0) {
                throw new IpcException("accept", who, "the peer closed the connection after "
                        + b.position() + " of the " + b.capacity() + " bytes of its " + what,
                        IpcException.Reason.BROKEN_PIPE);
            }
        }
    }

    private static void write(ByteLink link, ByteBuffer b, long start, long budget, String who, String what)
            throws IOException {
        while (b.hasRemaining()) {
            long wait = Math.max(0, left(start, budget));
            if (link.write(b, wait) == 0 && wait == 0) {
                throw new IpcException("connect", who, "the peer took none of the " + what + " in time",
                        IpcException.Reason.OTHER);
            }
        }
    }

    private static void read(ByteLink link, ByteBuffer b, long start, long budget, String who, String what)
            throws IOException {
        while (b.hasRemaining()) {
            long wait = Math.max(0, left(start, budget));
            int n = link.read(b, wait);
            if (n < 0) {
                throw new IpcException("connect", who, "the peer closed the connection after "
                        + b.position() + " of the " + b.capacity() + " bytes of its " + what
                        + (what.equals("hello") ? ": is it a jipc channel?" : ": it refused this end"),
                        what.equals("hello") ? IpcException.Reason.INCOMPATIBLE_LAYOUT
                                : IpcException.Reason.PERMISSION_DENIED);
            }
            if (n == 0 && wait == 0) {
                throw new IpcException("connect", who, "no " + what + " from the peer in time"
                        + (what.equals("hello") ? ": is it a jipc channel?" : ""), IpcException.Reason.OTHER);
            }
        }
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_LENGTH];
        RANDOM.nextBytes(n);
        return n;
    }

    /** HMAC-SHA256(secret, label || binder's hello || connector's hello). */
    private static byte[] proof(byte[] secret, byte[] label, ByteBuffer binderHello, ByteBuffer connectorHello) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(label);
            mac.update(binderHello.array(), 0, HELLO_LENGTH);
            mac.update(connectorHello.array(), 0, HELLO_LENGTH);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
