package dev.marina.agent.decision;

/** What the agent does about a command (or at its own start). */
public enum Action {
    /** Prepare the data directory from the template, start the server; a primary gets its users; answer READY. */
    DEPLOY,
    /** Start (or adopt) the server on the existing data (read-only); answer READY. */
    START,
    /** The server runs already: answer READY again (a writable primary re-asserts its admin user). */
    ANNOUNCE_READY,
    /** Stop the server, remove its data, record the instance as destroyed; answer STOPPED. */
    DESTROY,
    /** Destroyed already: answer STOPPED again. */
    ANNOUNCE_STOPPED,
    /** Make (or find again) the request's key and CSR; answer DONE with the CSR. */
    MAKE_CSR,
    /** Check the chain against the request's key, make it the server's certificate, reload TLS; answer DONE. */
    INSTALL_CERT,
    /** Apply what was received, stop replicating, take writes; answer DONE with the GTID position. */
    PROMOTE,
    /** Replicate from the given primary (read-only); answer DONE, or FAILED when the histories diverged. */
    REPLICATE,
    /** Set how a writable primary's commits wait for a replica, from the replicas wanted; answer DONE with the wait. */
    SET_COMMIT_WAIT,
    /** Make the server read-only and end the clients' connections; answer DONE with the GTID position. */
    FENCE,
    /** No server runs, so none takes writes (it starts read-only): answer DONE. */
    ANNOUNCE_FENCED,
    /** Take a backup into the object store off the command thread; answer DONE with the manifest when it ends. */
    BACKUP,
    /** Keep the binary-log archive settings (and the sealed key); a writable primary archives with them; answer DONE with the coverage. */
    ARCHIVE_BINLOGS,
    /** Do nothing but answer REFUSED with the reason. */
    /** UPDATE: set changed dynamic parameters on the running server (and persist them); no restart. */
    UPDATE_LIVE,
    /** UPDATE: drain, stop, start on the new build or settings (mariadb-upgrade after a patch upgrade). */
    UPDATE_RESTART,
    /** UPDATE: the server runs the config already; answered again. */
    ANNOUNCE_UPDATED,
    /** PAUSE: stop the server on purpose (kept paused across agent restarts); with wake on connect, its address keeps
     *  listening and the first connection starts it. Answer STOPPED with paused. Repeated: stopped still, armed as told. */
    PAUSE,
    /** RESUME of a paused server: start it (a primary writable, a replica replicating as before); answer READY. */
    RESUME,
    /** RESUME of a server that runs (woken by a client, or resumed before): answer READY again. */
    ANNOUNCE_RESUMED,
    REFUSE,
    /** Do nothing and answer nothing (at start: nothing deployed). */
    NOTHING
}
