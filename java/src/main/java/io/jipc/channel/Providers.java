package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.channel.spi.ChannelProvider;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * The transports outside the core module: {@link ChannelProvider}s found with
 * {@link ServiceLoader}, asked only for schemes that no built-in transport serves.
 *
 * <p>Providers are looked up on every bind and connect, not cached: making a channel costs
 * system calls anyway, and a provider that appears later (a plugin class loader) is then seen.
 */
final class Providers {
    /** The schemes of transports jipc ships as separate artifacts, and the artifact to add for each. */
    static final Map<String, String> SHIPPED_APART = Map.of("aeron", "io.jipc:jipc-aeron (module io.jipc.aeron)");

    private Providers() {
    }

    /**
     * {@return the provider for {@code address}'s scheme}
     *
     * @param call {@code bind} or {@code connect}, for the message
     * @throws IpcException             if the scheme is one of a transport shipped apart whose artifact is missing
     * @throws IllegalArgumentException if no provider serves the scheme
     * @throws IllegalStateException    if two providers do
     */
    static ChannelProvider of(URI address, String call) throws IpcException {
        String scheme = address.getScheme().toLowerCase(Locale.ROOT);
        List<ChannelProvider> found = new ArrayList<>();
        TreeSet<String> installed = new TreeSet<>();
        for (ChannelProvider p : ServiceLoader.load(ChannelProvider.class)) {
            String served = p.scheme().toLowerCase(Locale.ROOT);
            installed.add(served + ":");
            if (served.equals(scheme)) {
                found.add(p);
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        if (found.size() > 1) {
            throw new IllegalStateException("address " + address + ": " + found.size() + " transports serve the scheme "
                    + "\"" + scheme + "\" (" + found + "); remove all but one from the class or module path");
        }
        String artifact = SHIPPED_APART.get(scheme);
        if (artifact != null) {
            throw new IpcException(call, address.toString(), "the " + scheme + ": transport is not "
                    + "installed: add the artifact " + artifact + " to the class path or module path",
                    IpcException.Reason.OTHER);
        }
        throw new IllegalArgumentException("address " + address + ": no transport for scheme \"" + address.getScheme()
                + "\"; accepted: " + Channels.ACCEPTED + (installed.isEmpty() ? "" : ", and the installed " + installed));
    }

    /** {@return whether {@code scheme} may be served by a provider: it is not a built-in one} */
    static boolean external(String scheme) {
        return !Channels.BUILT_IN.contains(scheme.toLowerCase(Locale.ROOT));
    }
}
