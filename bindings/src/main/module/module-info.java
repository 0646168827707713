/**
 * jextract's output for the C surface jipc uses (see bindings/jextract.args).
 * Generated, committed, never edited; only io.jipc's internal posix layer reads it.
 * This descriptor is the one hand-written file here, and ./regenerate leaves it alone.
 */
module io.jipc.bindings {
    exports io.jipc.bindings to io.jipc;
}
