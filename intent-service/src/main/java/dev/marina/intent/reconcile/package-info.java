/**
 * The reconciler's decisions, all pure: {@code plan(desired, observed, now) → sends + next state + status}.
 *
 * <p>Where each decision is made:
 * <ul>
 *   <li>{@link dev.marina.intent.reconcile.Observe} — what a worker's answer means for the state (the
 *       observed facts; it never decides). An answer counts only for the action in flight it echoes
 *       ({@link dev.marina.intent.reconcile.Ledger}).</li>
 *   <li>{@link dev.marina.intent.reconcile.Planner} — the chain of steps of one pass, in order: backups
 *       ({@link dev.marina.intent.reconcile.BackupPlanner}: scheduled, on-demand, the final one a delete waits
 *       for; the catalogue), retire on delete, the first primary, {@link dev.marina.intent.reconcile.HaPlanner} (roles, replica count,
 *       failover, switchover, re-pointing, rebuilds), {@link dev.marina.intent.reconcile.ArchivePlanner} (the primary's
 *       binary-log archive, its coverage on binlog-archive), each instance's life (create, deploy from nothing, a
 *       restored backup or the latest backup, destroy), the
 *       DNS names ({@link dev.marina.intent.reconcile.DnsNames}), certificates
 *       ({@link dev.marina.intent.reconcile.TlsPlanner}, {@link dev.marina.intent.reconcile.Certificates}),
 *       when each instance first served.</li>
 *   <li>{@link dev.marina.intent.reconcile.Facts} — every predicate the steps share, defined once.</li>
 *   <li>{@link dev.marina.intent.reconcile.Decide} — the planner's only writes to an instance's plan.</li>
 *   <li>{@link dev.marina.intent.reconcile.StatusBuilder} — conditions from the facts, the phase from the
 *       conditions.</li>
 *   <li>{@link dev.marina.intent.reconcile.StateUpgrade} — stored states of older versions, brought up to date on load.</li>
 * </ul>
 * The Kafka Streams wiring around them is in {@code dev.marina.intent.topology}; see the module's DESIGN.md.
 */
package dev.marina.intent.reconcile;
