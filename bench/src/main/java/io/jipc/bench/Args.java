package io.jipc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} arguments, checked against the names a program knows. */
public final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();

    /**
     * @param flags options that take no value
     * @param known every option name the program accepts
     * @throws IllegalArgumentException for an unknown option or a missing value
     */
    public Args(String[] args, Set<String> flags, Set<String> known) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value;
            if (a.startsWith("--") && a.contains("=")) {
                value = a.substring(a.indexOf('=') + 1);
                a = a.substring(0, a.indexOf('='));
            } else if (flags.contains(a)) {
                value = "true";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException(a + " needs a value");
            }
            if (!known.contains(a) && !flags.contains(a)) {
                throw new IllegalArgumentException("unknown option " + a);
            }
            values.put(a, value);
        }
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String get(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    public long longValue(String name, long otherwise) {
        String v = values.get(name);
        try {
            return v == null ? otherwise : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " takes a whole number, not " + v);
        }
    }

    public List<String> list(String name, String otherwise) {
        return new ArrayList<>(Arrays.asList(get(name, otherwise).split(",")));
    }
}
