package dev.marina.agent.decision;

/** What the agent does about a command (or at its own start). */
public enum Action {
    /** Prepare the data directory from the template, start the server, create the admin user; answer READY. */
    DEPLOY,
    /** Start (or adopt) the server on the existing data, make sure of the admin user; answer READY. */
    START,
    /** The server runs already: make sure of the admin user and answer READY again. */
    ANNOUNCE_READY,
    /** Stop the server, remove its data, record the instance as destroyed; answer STOPPED. */
    DESTROY,
    /** Destroyed already: answer STOPPED again. */
    ANNOUNCE_STOPPED,
    /** Make (or find again) the request's key and CSR; answer DONE with the CSR. */
    MAKE_CSR,
    /** Check the chain against the request's key, make it the server's certificate, reload TLS; answer DONE. */
    INSTALL_CERT,
    /** Do nothing but answer REFUSED with the reason. */
    REFUSE,
    /** Do nothing and answer nothing (at start: nothing deployed). */
    NOTHING
}
