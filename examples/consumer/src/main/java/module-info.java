/** A user's module: needs only io.jipc, and grants it native access at run time. */
module example.consumer {
    requires io.jipc;
}
