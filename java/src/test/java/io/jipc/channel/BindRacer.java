package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.pipe.Pipe;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A child JVM of {@code BindRaceTest}: {@code BindRacer <address> <rounds>}. Each round it
 * waits for a byte on descriptor {@value #GO_FD}, binds the address, and reports one
 * byte on descriptor {@value #REPORT_FD}: {@code B} (bound), {@code T} (taken: ALREADY_EXISTS)
 * or {@code E} (any other failure); then waits for a second byte, closes what it bound, and
 * reports {@code C}.
 */
public final class BindRacer {
    static final int GO_FD = 3;
    static final int REPORT_FD = 4;

    private BindRacer() {
    }

    public static void main(String[] args) throws Exception {
        String address = args[0];
        int rounds = Integer.parseInt(args[1]);
        try (Pipe.ReadEnd go = Pipe.ReadEnd.adopt(GO_FD); Pipe.WriteEnd report = Pipe.WriteEnd.adopt(REPORT_FD)) {
            for (int r = 0; r < rounds; r++) {
                awaitGo(go);
                MessageChannel bound = null;
                byte result;
                try {
                    bound = Channels.bind(address);
                    result = 'B';
                } catch (IpcException e) {
                    result = e.reason() == IpcException.Reason.ALREADY_EXISTS ? (byte) 'T' : (byte) 'E';
                    if (result == 'E') {
                        e.printStackTrace();
                    }
                }
                report.write(ByteBuffer.wrap(new byte[] {result}));
                awaitGo(go);
                if (bound != null) {
                    bound.close();
                }
                report.write(ByteBuffer.wrap(new byte[] {'C'}));
            }
        }
    }

    private static void awaitGo(Pipe.ReadEnd go) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        if (go.read(b) != 1) {
            System.exit(3);  // the test is gone
        }
    }
}
