package io.jipc.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One result as a flat JSON object on one line, the format both the Java harness and
 * cbench print: string and number values only, no nesting, no escapes needed.
 */
public final class JsonLine {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    public JsonLine put(String name, Object value) {
        fields.put(name, value);
        return this;
    }

    public Map<String, Object> fields() {
        return fields;
    }

    public String string(String name) {
        Object v = fields.get(name);
        return v == null ? null : v.toString();
    }

    public double number(String name) {
        Object v = fields.get(name);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        return v == null ? Double.NaN : Double.parseDouble(v.toString());
    }

    public boolean hasNumber(String name) {
        return fields.get(name) instanceof Number;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            if (v instanceof Double d) {
                b.append(String.format(Locale.ROOT, "%.3f", d));
            } else if (v instanceof Number) {
                b.append(v);
            } else {
                b.append('"').append(v).append('"');
            }
        }
        return b.append('}').toString();
    }

    /** Parses a line printed by {@link #toString()} or by cbench. */
    public static JsonLine parse(String line) {
        String s = line.trim();
        if (!s.startsWith("{") || !s.endsWith("}")) {
            throw new IllegalArgumentException("not a JSON object: " + line);
        }
        JsonLine j = new JsonLine();
        int i = 1;
        while (i < s.length() - 1) {
            int k0 = s.indexOf('"', i);
            if (k0 < 0) {
                break;
            }
            int k1 = s.indexOf('"', k0 + 1);
            String key = s.substring(k0 + 1, k1);
            int colon = s.indexOf(':', k1);
            int v0 = colon + 1;
            if (s.charAt(v0) == '"') {
                int v1 = s.indexOf('"', v0 + 1);
                j.put(key, s.substring(v0 + 1, v1));
                i = v1 + 1;
            } else {
                int v1 = v0;
                while (v1 < s.length() - 1 && s.charAt(v1) != ',') {
                    v1++;
                }
                String num = s.substring(v0, v1).trim();
                j.put(key, num.contains(".") || num.contains("e") ? (Object) Double.parseDouble(num)
                        : (Object) Long.parseLong(num));
                i = v1;
            }
            i = s.indexOf(',', i) < 0 ? s.length() : s.indexOf(',', i) + 1;
        }
        return j;
    }
}
