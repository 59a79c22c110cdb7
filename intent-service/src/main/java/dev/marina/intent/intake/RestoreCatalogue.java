package dev.marina.intent.intake;

import dev.marina.schemas.topics.BackupKey;
import dev.marina.schemas.topics.DeploymentKey;
import dev.marina.schemas.v1.ArchiveCoverage;
import dev.marina.schemas.v1.BackupRecord;
import dev.marina.schemas.v1.DeploymentRef;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What intake reads to check a spec's restore: the backup catalogue ({@code backups}) and the archives' coverage
 * ({@code binlog-archive}), both held whole in global stores of its topology.
 */
public interface RestoreCatalogue {

    /** One backup, by its catalogue key ({@code tenant/name#id}). */
    Optional<BackupRecord> backup(String backupKey);

    /** Every record of a deployment's backups. */
    List<BackupRecord> backups(DeploymentRef deployment);

    /** What the deployment's binary-log archive covers, as last published. */
    Optional<ArchiveCoverage> archive(DeploymentRef deployment);

    RestoreCatalogue EMPTY = of(Map.of(), Map.of());

    /** Single backups by key only (no listing, no archive): enough for restores by backup id. */
    static RestoreCatalogue of(Function<String, Optional<BackupRecord>> backups) {
        return new RestoreCatalogue() {
            @Override
            public Optional<BackupRecord> backup(String backupKey) {
                return backups.apply(backupKey);
            }

            @Override
            public List<BackupRecord> backups(DeploymentRef deployment) {
                return List.of();
            }

            @Override
            public Optional<ArchiveCoverage> archive(DeploymentRef deployment) {
                return Optional.empty();
            }
        };
    }

    /** From maps keyed as the topics are: backups by {@code tenant/name#id}, archives by {@code tenant/name}. */
    static RestoreCatalogue of(Map<String, BackupRecord> backups, Map<String, ArchiveCoverage> archives) {
        return new RestoreCatalogue() {
            @Override
            public Optional<BackupRecord> backup(String backupKey) {
                return Optional.ofNullable(backups.get(backupKey));
            }

            @Override
            public List<BackupRecord> backups(DeploymentRef deployment) {
                String prefix = BackupKey.of(deployment, "");
                return backups.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue).toList();
            }

            @Override
            public Optional<ArchiveCoverage> archive(DeploymentRef deployment) {
                return Optional.ofNullable(archives.get(DeploymentKey.of(deployment)));
            }
        };
    }
}
