package io.jipc.cli.demo;

/** A demo as {@code jipc tour} runs it: after a run, it can say in one line what it showed. */
interface Lesson {
    /** {@return what the last run showed, in a few words with its key figure; empty before a run} */
    String summary();
}
