package dev.marina.provisioner.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Whether an instance's agent is up and ready: the roll waits for this before it replaces the next agent. */
@FunctionalInterface
public interface AgentReadiness {

    boolean isReady(InstanceRecord record);

    /**
     * The agent's own readiness endpoint, {@code http://<address>:<agent-http-port>/q/health/ready}: 200 once the agent
     * started and reaches the broker. Anything else (refused, a timeout, 503) is "not ready".
     */
    static AgentReadiness http(int port, Duration timeout) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        return record -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + record.address() + ":" + port + "/q/health/ready"))
                    .timeout(timeout).GET().build();
            try {
                return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
    }
}
