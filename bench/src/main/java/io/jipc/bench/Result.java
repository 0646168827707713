package io.jipc.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One result: a flat JSON object on one line, the format the Java harness and cbench both
 * print ({@code results.jsonl}). Values are strings and numbers; Jackson writes and reads
 * them, escaping included, so a field may hold any text (a JVM option, an error message).
 */
public final class Result {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> FLAT = new TypeReference<>() {
    };

    private final Map<String, Object> fields;

    public Result() {
        this(new LinkedHashMap<>());
    }

    private Result(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** Puts a field; a NaN or infinite number (which JSON cannot hold) becomes null, read back as NaN. */
    public Result put(String name, Object value) {
        fields.put(name, value instanceof Double d && !Double.isFinite(d) ? null : value);
        return this;
    }

    /** {@return the fields in the order they were put or read} */
    public Map<String, Object> fields() {
        return fields;
    }

    /** {@return the field as text, or null if it is absent} */
    public String string(String name) {
        Object v = fields.get(name);
        return v == null ? null : v.toString();
    }

    /** {@return the field as a number: NaN if it is absent, parsed if it is text} */
    public double number(String name) {
        Object v = fields.get(name);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return v == null ? Double.NaN : Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    public boolean hasNumber(String name) {
        return fields.get(name) instanceof Number;
    }

    /** {@return this result as one line of JSON} */
    @Override
    public String toString() {
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a result that JSON cannot hold: " + fields, e);
        }
    }

    /**
     * Parses one line of {@code results.jsonl} or of cbench's output.
     *
     * @throws IllegalArgumentException if it is not a JSON object
     */
    public static Result parse(String line) {
        try {
            LinkedHashMap<String, Object> map = JSON.readValue(line, FLAT);
            if (map == null) {
                throw new IllegalArgumentException("not a JSON object: " + line);
            }
            return new Result(map);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON object: " + line, e);
        }
    }
}
