/**
 * The fleet dashboard: a read-only, live view of {@code deployment-status}, {@code instance-health}
 * and {@code metrics}, served at {@code /dashboard}.
 *
 * <table>
 * <caption>Shape</caption>
 * <tr><td>{@link dev.marina.healthmonitor.dashboard.FleetView}</td><td>folds records into what is shown; returns the
 * events a page needs; pure, time passed in</td></tr>
 * <tr><td>{@link dev.marina.healthmonitor.dashboard.Alerts}</td><td>what wants attention: named checks over a status,
 * the freshest health and the time</td></tr>
 * <tr><td>{@link dev.marina.healthmonitor.dashboard.PointRing}</td><td>one instance's chart points, bounded</td></tr>
 * <tr><td>{@link dev.marina.healthmonitor.dashboard.FleetFeed}</td><td>the one consumer, thin: seek, decode, fold,
 * publish</td></tr>
 * <tr><td>{@link dev.marina.healthmonitor.dashboard.DashboardResource}</td><td>the page, the JSON snapshot, a
 * deployment's detail, server-sent events</td></tr>
 * <tr><td>{@link dev.marina.healthmonitor.dashboard.Views}</td><td>the API's JSON shapes</td></tr>
 * <tr><td>{@link dev.marina.healthmonitor.dashboard.DashboardGuard}, {@link dev.marina.healthmonitor.dashboard.HostCheck}</td>
 * <td>the {@code Host} check (DNS rebinding) on every request; the token beyond loopback</td></tr>
 * </table>
 *
 * <p>Invariants:
 * <ul>
 * <li><b>Bounded memory.</b> Every collection has a cap ({@code marina.dashboard.*}): deployments,
 * instances per deployment, charted instances fleet-wide, points per instance and their age,
 * transitions kept. When full, what is not shown goes first, then what is deleted, then what has
 * been silent the longest.</li>
 * <li><b>The freshest health.</b> An instance's health is the newer of its status (as of
 * {@code updated_at}) and its latest transition (as of {@code detected_at}): a Down shows as soon as
 * health-monitor detects it, and an old transition never overrides a newer status (a deployment
 * deleted and created again under the same name).</li>
 * <li><b>Nothing between snapshot and stream.</b> A page subscribes first; the first event,
 * {@code hello}, tells it to load the snapshot, and events that arrive while it loads are applied on top
 * (points only when newer than the newest, transitions once).</li>
 * <li><b>Alerts change by events, not by polling.</b> A condition false for long becomes an alert with
 * time alone: every {@code alert-check-interval} the alerts are computed again and a deployment whose
 * alerts changed is sent. An alert's text does not grow with its age (the page shows the age), so an
 * alert that still holds is not sent again.</li>
 * <li><b>Apart from health.</b> The feed has its own consumer and thread, no group and no commits; it
 * resumes where it was after a failure, and its state is shown on the page, never in readiness.</li>
 * <li><b>Read-only, no secrets.</b> Its sources carry no credentials and it writes nowhere.</li>
 * <li><b>Only its own names.</b> A request whose {@code Host} is not an address, {@code localhost} or a
 * configured name is refused before anything is read; beyond loopback, so is one without the token.</li>
 * </ul>
 */
package dev.marina.healthmonitor.dashboard;
