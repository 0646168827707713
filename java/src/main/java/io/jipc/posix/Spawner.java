package io.jipc.posix;

import io.jipc.IpcException;
import io.jipc.bindings.jipc_bindings_h;
import io.jipc.bindings.jipc_fd_mapping;
import io.jipc.bindings.jipc_spawn_request;
import io.jipc.bindings.jipc_spawn_result;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Calls native/spawn.c. Everything the child reads (strings, pointer arrays, the
 * descriptor map, scratch space) is prepared here, in Java, so the child between
 * clone and exec only reads memory and makes system calls.
 */
public final class Spawner {
    private Spawner() {
    }

    /** What to start; {@code path} is absolute, PATH was searched by the caller. */
    public record Request(String path, List<String> argv, List<String> envp, int[] childFds, int[] parentFds,
                          String cwd, int uid, int gid, boolean setUid, boolean setGid, boolean newSession) {
    }

    /** {@return the child's pid; it has reached execve} */
    public static int spawn(Request r) throws IpcException {
        NativeLibrary.ensureLoaded();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(jipc_spawn_request.layout());
            jipc_spawn_request.path(req, arena.allocateFrom(r.path()));
            jipc_spawn_request.argv(req, stringArray(arena, r.argv()));
            jipc_spawn_request.envp(req, stringArray(arena, r.envp()));
            int n = r.childFds().length;
            MemorySegment map = jipc_fd_mapping.allocateArray(Math.max(n, 1), arena);
            for (int i = 0; i < n; i++) {
                MemorySegment m = jipc_fd_mapping.asSlice(map, i);
                jipc_fd_mapping.child_fd(m, r.childFds()[i]);
                jipc_fd_mapping.parent_fd(m, r.parentFds()[i]);
            }
            jipc_spawn_request.fd_map(req, map);
            jipc_spawn_request.fd_map_length(req, n);
            jipc_spawn_request.scratch(req, arena.allocate(ValueLayout.JAVA_INT, Math.max(n, 1)));
            int flags = 0;
            if (r.newSession()) {
                flags |= jipc_bindings_h.JIPC_SPAWN_SETSID();
            }
            if (r.setUid()) {
                flags |= jipc_bindings_h.JIPC_SPAWN_SETUID();
                jipc_spawn_request.uid(req, r.uid());
            }
            if (r.setGid()) {
                flags |= jipc_bindings_h.JIPC_SPAWN_SETGID();
                jipc_spawn_request.gid(req, r.gid());
            }
            jipc_spawn_request.flags(req, flags);
            jipc_spawn_request.cwd(req, r.cwd() == null ? MemorySegment.NULL : arena.allocateFrom(r.cwd()));

            MemorySegment result = arena.allocate(jipc_spawn_result.layout());
            if (jipc_bindings_h.jipc_spawn(req, result) == 0) {
                return jipc_spawn_result.pid(result);
            }
            int stage = jipc_spawn_result.stage(result);
            int errno = jipc_spawn_result.error(result);
            String object = stage == jipc_bindings_h.JIPC_STAGE_CHDIR() ? r.cwd() : r.path();
            throw Errno.exception(stageCall(stage), object, errno);
        }
    }

    /** Names a failed stage by the call that failed in it, so the message reads like C. */
    private static String stageCall(int stage) {
        if (stage == jipc_bindings_h.JIPC_STAGE_PREPARE()) {
            return "spawn";
        } else if (stage == jipc_bindings_h.JIPC_STAGE_SIGNALS()) {
            return "spawn: sigaction";
        } else if (stage == jipc_bindings_h.JIPC_STAGE_FDS()) {
            return "spawn: dup2";
        } else if (stage == jipc_bindings_h.JIPC_STAGE_CHDIR()) {
            return "spawn: chdir";
        } else if (stage == jipc_bindings_h.JIPC_STAGE_SETSID()) {
            return "spawn: setsid";
        } else if (stage == jipc_bindings_h.JIPC_STAGE_SETGID()) {
            return "spawn: setgid";
        } else if (stage == jipc_bindings_h.JIPC_STAGE_SETUID()) {
            return "spawn: setuid";
        } else if (stage == jipc_bindings_h.JIPC_STAGE_EXEC()) {
            return "spawn: execve";
        }
        return "spawn: stage " + stage;
    }

    private static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(jipc_bindings_h.C_POINTER, strings.size() + 1);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(jipc_bindings_h.C_POINTER, i, arena.allocateFrom(strings.get(i)));
        }
        array.setAtIndex(jipc_bindings_h.C_POINTER, strings.size(), MemorySegment.NULL);
        return array;
    }
}
