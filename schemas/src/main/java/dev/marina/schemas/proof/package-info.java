/**
 * Messages that prove their sender. Kafka's ACLs are per topic, not per key: an agent that may write
 * {@code heartbeats} could write another instance's, and whoever may write {@code agent-commands} could
 * order any instance around. So commands to an instance and reports from it carry a MAC made with a key
 * of that one instance, in the record header {@value dev.marina.schemas.proof.MessageProof#HEADER}.
 *
 * <ul>
 *   <li>The platform's proof key ({@link PlatformProofKey}) stays with the control plane (intent-service,
 *       health-monitor, provisioner). An instance's key is derived from it:
 *       {@code HMAC-SHA256(platform key, "marina instance key v1|" + deployment key + "|" + instance id)}.</li>
 *   <li>An agent holds only its own instance's key ({@link InstanceKey}, a 0600 file the provisioner
 *       writes before it launches the agent).</li>
 *   <li>The MAC ({@link MessageProof}) covers the topic, the record key and the value, byte for byte; the
 *       header names the version and the platform key's id: {@code 1.<key id>.<MAC, base64url>}.</li>
 *   <li>{@link ProofSerdes} signs and checks in the serde layer, so every service shares one piece of
 *       code; a record that does not prove its instance decodes to a {@code Decoded.Failed} whose reason
 *       starts with "proof missing" or "proof invalid", which consumers already send to
 *       {@code dead-letters}.</li>
 * </ul>
 */
package dev.marina.schemas.proof;
