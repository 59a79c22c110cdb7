package dev.marina.intent.api;

import jakarta.enterprise.context.RequestScoped;

/** The caller of the REST request being served, as {@link ApiHttp} authenticated it. */
@RequestScoped
public class CurrentCaller {
    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    public Caller get() {
        if (caller == null) {
            throw new IllegalStateException("no authenticated caller: the request did not pass ApiHttp's filter");
        }
        return caller;
    }
}
