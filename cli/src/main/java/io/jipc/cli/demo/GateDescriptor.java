package io.jipc.cli.demo;

/**
 * The header of a demo's shared segment: the start gate that lets every worker begin
 * at the same moment, and the count of workers that have finished. The demo's own data
 * follows at {@link #DATA_OFFSET}.
 *
 * <pre>
 *   0               4                                               64
 *  +---------------+-----------------------------------------------+
 *  |     READY     |                 padding                       |    0
 *  +---------------+-----------------------------------------------+
 *  |      GO       |                 padding                       |   64
 *  +---------------+-----------------------------------------------+
 *  |     DONE      |                 padding                       |  128
 *  +---------------+-----------------------------------------------+
 *  |                 demo data (DATA_OFFSET) ...                   |  192
 * </pre>
 *
 * <ul>
 *   <li><b>READY</b> (int): each worker adds 1 ({@code getAndAdd}) once it has mapped the
 *       segment and is about to wait at the gate. The parent reads it (volatile).</li>
 *   <li><b>GO</b> (int): 0 = gate closed. The parent stores 1 (release) once READY equals
 *       the number of workers; workers poll it (acquire), so everything the parent wrote
 *       before is visible to them when they start.</li>
 *   <li><b>DONE</b> (int): each worker adds 1 ({@code getAndAdd}, a full fence) after its
 *       last write to the demo data; when the parent reads (volatile) the full count, it
 *       sees every worker's results.</li>
 * </ul>
 *
 * Each field has its own cache line, and the data starts on a fresh one, so the polling
 * of the gate never shares a line with what the demo measures.
 */
final class GateDescriptor {
    private GateDescriptor() {
    }

    static final int CACHE_LINE_LENGTH = 64;

    static final long READY_OFFSET = 0;
    static final long GO_OFFSET = READY_OFFSET + CACHE_LINE_LENGTH;
    static final long DONE_OFFSET = GO_OFFSET + CACHE_LINE_LENGTH;
    /** Where the demo's own data begins. */
    static final long DATA_OFFSET = DONE_OFFSET + CACHE_LINE_LENGTH;
}
